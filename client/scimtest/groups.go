package scimtest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/otaccess/otaccess/client"
	filter "github.com/scim2/filter-parser/v2"
)

// listGroups pages the groups. A filter parameter is ignored: "SCIM filtering
// is not currently supported for Groups", so a client relying on it gets
// every group back, as from OneTrust.
func (s *Server) listGroups(w http.ResponseWriter, c *call) {
	start, count, err := pageParams(c.r.URL.Query(), s.cfg.GroupPageCap, s.cfg.GroupPageCap)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalidValue", err.Error())
		return
	}
	off := window(start, c.fault)
	s.mu.RLock()
	list := s.groups
	if v := c.view(); v != nil {
		list = slices.DeleteFunc(slices.Clone(list), func(g *groupRec) bool { return !v.group(g) })
	}
	total := len(list)
	page := []groupWire{}
	if off < total && count > 0 {
		for _, g := range list[off:min(off+count, total)] {
			page = append(page, s.renderGroup(c.root, g, false))
		}
	}
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, listWire[groupWire]{
		Schemas:      []string{client.SchemaListResponse},
		TotalResults: adjustTotal(total, c.fault),
		StartIndex:   start,
		ItemsPerPage: len(page),
		Resources:    page,
	})
}

func (s *Server) getGroup(w http.ResponseWriter, c *call, id string) {
	s.mu.RLock()
	g := s.groupIdx[id]
	var out groupWire
	if g != nil {
		out = s.renderGroup(c.root, g, true)
	}
	s.mu.RUnlock()
	if g == nil {
		groupNotFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func groupNotFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "", fmt.Sprintf("group %s not found (group ids are roleId:orgId)", id))
}

// patchGroup applies add/remove/replace on members. All operations are
// checked against a working copy of the member set first, so a request with
// one bad operation changes nothing.
func (s *Server) patchGroup(w http.ResponseWriter, c *call, id string) {
	p, err := decodePatch(c)
	if err != nil {
		writeErr(w, err)
		return
	}
	s.lockWrite()
	defer s.mu.Unlock()
	g := s.groupIdx[id]
	if g == nil {
		groupNotFound(w, id)
		return
	}
	set := make(map[*userRec]struct{}, len(g.members))
	for u := range g.members {
		set[u] = struct{}{}
	}
	for i, op := range p.Operations {
		if err := s.applyGroupOp(c.view(), set, strings.ToLower(op.Op), op.Path, op.Value); err != nil {
			var se *scimError
			if errors.As(err, &se) {
				se.detail = fmt.Sprintf("Operations[%d]: %s", i, se.detail)
			}
			writeErr(w, err)
			return
		}
	}
	// Members outside the credential's view stay, whatever the operations
	// (a remove of all members, a replace): it cannot see them to remove.
	for u := range g.members {
		if !s.sees(c.view(), u) {
			set[u] = struct{}{}
		}
	}
	var added, removed []*userRec
	for u := range set {
		if _, ok := g.members[u]; !ok {
			added = append(added, u)
		}
	}
	for u := range g.members {
		if _, ok := set[u]; !ok {
			removed = append(removed, u)
		}
	}
	if len(added)+len(removed) > 0 {
		now := formatTime(s.now())
		g.modified = now
		// Seq order keeps each user's groups order reproducible.
		bySeq := func(a, b *userRec) int { return cmp.Compare(a.seq, b.seq) }
		slices.SortFunc(added, bySeq)
		slices.SortFunc(removed, bySeq)
		for _, u := range removed {
			s.auditSeed(u)
			unlink(u, g)
			u.u.Meta.LastModified = now
			s.provisioned(c, u, FieldRole, g.displayName, "")
		}
		for _, u := range added {
			s.auditSeed(u)
			link(u, g)
			u.u.Meta.LastModified = now
			s.provisioned(c, u, FieldRole, "", g.displayName)
		}
	}
	if s.cfg.GroupPatchReturnsBody {
		writeJSON(w, http.StatusOK, s.renderGroup(c.root, g, true))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type memberIn struct {
	Value string `json:"value"`
}

// memberValues reads [{value}], a single {value} or {"members": [...]}.
func memberValues(raw json.RawMessage) ([]string, error) {
	var list []memberIn
	if err := json.Unmarshal(raw, &list); err != nil {
		var one memberIn
		if err1 := json.Unmarshal(raw, &one); err1 != nil || one.Value == "" {
			return nil, badRequest("invalidValue", "members value must be [{\"value\": \"<userId>\"}], got %s", raw)
		}
		list = []memberIn{one}
	}
	out := make([]string, 0, len(list))
	for _, m := range list {
		if strings.TrimSpace(m.Value) == "" {
			return nil, badRequest("invalidValue", "a member without value: use {\"value\": \"<userId>\"}")
		}
		out = append(out, m.Value)
	}
	return out, nil
}

// resolveMembers maps user ids to users; unknown (or invited) ids, and
// users outside the view v, are a 400.
func (s *Server) resolveMembers(v *orgView, ids []string) ([]*userRec, error) {
	out := make([]*userRec, 0, len(ids))
	for _, id := range ids {
		u := s.userByID(id)
		if u == nil || !s.sees(v, u) {
			return nil, badRequest("invalidValue", "user %s does not exist", id)
		}
		out = append(out, u)
	}
	return out, nil
}

func (s *Server) applyGroupOp(v *orgView, set map[*userRec]struct{}, op, path string, raw json.RawMessage) error {
	if strings.TrimSpace(path) == "" {
		if op == "remove" {
			return badRequest("noTarget", "remove needs a path such as members")
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return badRequest("invalidValue", "an operation without path needs an object value")
		}
		for k, val := range obj {
			if !strings.EqualFold(k, "members") {
				return badRequest("mutability", "%s cannot be changed: a group is a role x organization; only members can be patched", k)
			}
			if err := s.applyGroupOp(v, set, op, "members", val); err != nil {
				return err
			}
		}
		return nil
	}
	p, err := filter.ParsePath([]byte(path))
	if err != nil {
		return badRequest("invalidPath", "cannot parse path %q: %v", path, err)
	}
	uri, key := pathKey(p.AttributePath)
	if uri != "" && uri != strings.ToLower(client.SchemaGroup) {
		return badRequest("invalidPath", "unknown schema in path %q", path)
	}
	if key != "members" {
		if key == "displayname" || key == "id" {
			return badRequest("mutability", "%s cannot be changed: a group is a role x organization; only members can be patched", path)
		}
		return badRequest("invalidPath", "attribute %q cannot be patched on a group; use path members", path)
	}

	if p.ValueExpression != nil {
		// members[value eq "id"]: only remove makes sense.
		if op != "remove" {
			return badRequest("invalidPath", "a filtered members path is only valid with remove")
		}
		match, err := compileFilter(p.ValueExpression, memberScope)
		if err != nil {
			return badRequest("invalidFilter", "%v", err)
		}
		for u := range set {
			if match(u) {
				delete(set, u)
			}
		}
		return nil
	}

	if op == "remove" && (len(raw) == 0 || string(raw) == "null") {
		// RFC 7644: remove on "members" without a value removes every member.
		clear(set)
		return nil
	}
	ids, err := memberValues(raw)
	if err != nil {
		return err
	}
	users, err := s.resolveMembers(v, ids)
	if err != nil {
		return err
	}
	switch op {
	case "add":
		for _, u := range users {
			set[u] = struct{}{}
		}
	case "remove":
		for _, u := range users {
			delete(set, u)
		}
	case "replace":
		clear(set)
		for _, u := range users {
			set[u] = struct{}{}
		}
	}
	return nil
}
