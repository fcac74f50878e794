package scimtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/otaccess/otaccess/client"
	filter "github.com/scim2/filter-parser/v2"
)

type listWire[T any] struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []T      `json:"Resources"`
}

// pageParams reads startIndex and count as RFC 7644 §3.4.2.4 says: startIndex
// below 1 means 1, a negative count means 0, and count is capped.
func pageParams(q url.Values, defCount, capCount int) (start, count int, err error) {
	start, count = 1, defCount
	if v := q.Get("startIndex"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil {
			return 0, 0, fmt.Errorf("startIndex must be an integer, got %q", v)
		}
		start = max(n, 1)
	}
	if v := q.Get("count"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil {
			return 0, 0, fmt.Errorf("count must be an integer, got %q", v)
		}
		count = max(n, 0)
	}
	return start, min(count, capCount), nil
}

// window applies a shift fault to a 0-based offset.
func window(start int, f *Fault) int {
	off := start - 1
	if f != nil && f.Kind == FaultShiftWindow {
		off += f.Shift
	}
	return max(off, 0)
}

func adjustTotal(total int, f *Fault) int {
	if f != nil && f.Kind == FaultTotalResults {
		return max(total+f.TotalDelta, 0)
	}
	return total
}

func (s *Server) listUsers(w http.ResponseWriter, c *call) {
	q := c.r.URL.Query()
	start, count, err := pageParams(q, s.cfg.DefaultUserCount, s.cfg.UserPageCap)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalidValue", err.Error())
		return
	}
	var pred func(*userRec) bool
	if raw := strings.TrimSpace(q.Get("filter")); raw != "" {
		if pred, err = parseUserFilter(raw); err != nil {
			writeError(w, http.StatusBadRequest, "invalidFilter", err.Error())
			return
		}
	}
	off := window(start, c.fault)

	s.mu.RLock()
	// Unfiltered pages slice the stable user list directly: O(page).
	src := s.users
	if pred != nil {
		src = nil
		for _, u := range s.users {
			if pred(u) {
				src = append(src, u)
			}
		}
	}
	total := len(src)
	var page []*userRec
	if off < total && count > 0 {
		page = src[off:min(off+count, total)]
	}
	// The envelope is written by hand around each user's cached encoding,
	// into a buffer sized once (a page of 1,000 is 1.4 MB); the bytes are
	// what writeJSON would produce for a listWire.
	head := `{"schemas":["` + client.SchemaListResponse + `"],"totalResults":` + strconv.Itoa(adjustTotal(total, c.fault)) +
		`,"startIndex":` + strconv.Itoa(start) + `,"itemsPerPage":` + strconv.Itoa(len(page)) + `,"Resources":[`
	encoded := make([][]byte, len(page))
	size := len(head) + len(page) + 3
	for i, u := range page {
		js, err := s.userJSON(c.root, u)
		if err != nil {
			s.mu.RUnlock()
			http.Error(w, "encoding response: "+err.Error(), http.StatusInternalServerError)
			return
		}
		encoded[i] = js
		size += len(js)
	}
	s.mu.RUnlock()
	if br, ok := w.(*bufferedResponse); ok {
		br.body.Grow(size)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, head)
	for i, js := range encoded {
		if i > 0 {
			_, _ = io.WriteString(w, ",")
		}
		_, _ = w.Write(js)
	}
	_, _ = io.WriteString(w, "]}\n")
}

func (s *Server) getUser(w http.ResponseWriter, c *call, id string) {
	s.mu.RLock()
	rec := s.userByID(id)
	var out userWire
	if rec != nil {
		out = s.renderUser(c.root, rec)
	}
	s.mu.RUnlock()
	if rec == nil {
		userNotFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func userNotFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "", fmt.Sprintf("user %s not found", id))
}

// userIn is a request body. Active is a pointer so PUT can tell "absent"
// from false; it shadows client.User's field for JSON.
type userIn struct {
	client.User
	Active *bool `json:"active"`
}

func decodeBody(c *call, v any) error {
	body := http.MaxBytesReader(nil, c.r.Body, maxBodyBytes)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request body is not valid JSON: %v", err)
	}
	return nil
}

// userSchemasOK accepts the documents' "User" as well as the URN.
func userSchemasOK(schemas []string) bool {
	if len(schemas) == 0 {
		return true // lenient, as OneTrust appears to be
	}
	for _, s := range schemas {
		if s == "User" || strings.EqualFold(s, client.SchemaUser) {
			return true
		}
	}
	return false
}

// normalizeEmails fills display and type and marks one primary, as OneTrust
// echoes them.
func normalizeEmails(in []client.MultiValue) []client.MultiValue {
	out := make([]client.MultiValue, 0, len(in))
	primary := false
	for _, e := range in {
		if strings.TrimSpace(e.Value) == "" {
			continue
		}
		if e.Display == "" {
			e.Display = e.Value
		}
		if e.Type == "" {
			e.Type = "work"
		}
		if e.Primary {
			if primary {
				e.Primary = false
			}
			primary = true
		}
		out = append(out, e)
	}
	if !primary && len(out) > 0 {
		out[0].Primary = true
	}
	return out
}

// basics copies the attributes POST and PUT may set from a request body.
func basics(dst *client.User, in *userIn, resolveManager func(string) string) {
	dst.ExternalID = in.ExternalID
	dst.Name = in.Name
	dst.DisplayName = in.DisplayName
	dst.NickName = in.NickName
	dst.Title = in.Title
	dst.UserType = in.UserType
	dst.PreferredLanguage = in.PreferredLanguage
	dst.Locale = in.Locale
	dst.Timezone = in.Timezone
	dst.Emails = normalizeEmails(in.Emails)
	dst.PhoneNumbers = slices.Clone(in.PhoneNumbers)
	dst.Enterprise = nil
	if in.Enterprise != nil {
		e := *in.Enterprise
		if e.Manager != nil && e.Manager.Value != "" {
			e.Manager = &client.Manager{Value: e.Manager.Value, DisplayName: resolveManager(e.Manager.Value)}
		} else {
			e.Manager = nil
		}
		dst.Enterprise = &e
	}
}

// managerName looks up a manager's display name. Caller holds s.mu.
func (s *Server) managerName(id string) string {
	if m := s.userByID(id); m != nil {
		return m.u.DisplayName
	}
	return ""
}

func (s *Server) createUser(w http.ResponseWriter, c *call) {
	var in userIn
	if err := decodeBody(c, &in); err != nil {
		writeError(w, http.StatusBadRequest, "invalidSyntax", err.Error())
		return
	}
	if !userSchemasOK(in.Schemas) {
		writeError(w, http.StatusBadRequest, "invalidValue", fmt.Sprintf("schemas must include %q (or \"User\"), got %q", client.SchemaUser, in.Schemas))
		return
	}
	userName := strings.TrimSpace(in.UserName)
	if userName == "" {
		// OneTrust derives the userName from the email.
		userName = strings.TrimSpace(in.PrimaryEmail())
	}
	if userName == "" {
		writeError(w, http.StatusBadRequest, "invalidValue", "userName is required (or an email to derive it from)")
		return
	}

	s.lockWrite()
	if _, dup := s.byName[strings.ToLower(userName)]; dup {
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "uniqueness", fmt.Sprintf("a user with userName %q already exists", userName))
		return
	}
	u := client.User{ID: s.newID(), UserName: userName}
	basics(&u, &in, s.managerName)
	if u.UserType == "" {
		u.UserType = "Internal"
	}
	if len(u.Emails) == 0 && strings.Contains(userName, "@") {
		u.Emails = normalizeEmails([]client.MultiValue{{Value: userName}})
	}
	u.Active = false // OneTrust creates users inactive, whatever the body says
	now := formatTime(s.now())
	u.Meta = client.Meta{Created: now, LastModified: now}
	rec := &userRec{u: u}
	s.insertUser(rec)
	if len(s.groups) > 0 {
		link(rec, s.groups[0])
		s.groups[0].modified = now
	}
	out := s.renderUser(c.root, rec)
	s.mu.Unlock()

	w.Header().Set("Location", out.Meta.Location)
	writeJSON(w, http.StatusCreated, out)
}

// replaceUser is PUT: it replaces the basic attributes (absent ones are
// cleared, except userName and active which are kept); groups are unchanged.
func (s *Server) replaceUser(w http.ResponseWriter, c *call, id string) {
	var in userIn
	if err := decodeBody(c, &in); err != nil {
		writeError(w, http.StatusBadRequest, "invalidSyntax", err.Error())
		return
	}
	if !userSchemasOK(in.Schemas) {
		writeError(w, http.StatusBadRequest, "invalidValue", fmt.Sprintf("schemas must include %q (or \"User\"), got %q", client.SchemaUser, in.Schemas))
		return
	}
	s.lockWrite()
	defer s.mu.Unlock()
	rec := s.userByID(id)
	if rec == nil {
		userNotFound(w, id)
		return
	}
	u := cloneUser(rec.u)
	if name := strings.TrimSpace(in.UserName); name != "" && !strings.EqualFold(name, u.UserName) {
		if _, dup := s.byName[strings.ToLower(name)]; dup {
			writeError(w, http.StatusConflict, "uniqueness", fmt.Sprintf("a user with userName %q already exists", name))
			return
		}
		u.UserName = name
	} else if name != "" {
		u.UserName = name
	}
	basics(&u, &in, s.managerName)
	if in.Active != nil {
		u.Active = *in.Active
	}
	s.commitUser(rec, u)
	writeJSON(w, http.StatusOK, s.renderUser(c.root, rec))
}

// commitUser stores an edited copy of a user and bumps lastModified. Caller
// holds s.mu for writing.
func (s *Server) commitUser(rec *userRec, u client.User) {
	if !strings.EqualFold(u.UserName, rec.u.UserName) {
		delete(s.byName, strings.ToLower(rec.u.UserName))
		s.byName[strings.ToLower(u.UserName)] = rec
	}
	u.Meta.LastModified = formatTime(s.now())
	rec.u = u
}

func (s *Server) deleteUser(w http.ResponseWriter, c *call, id string) {
	s.lockWrite()
	defer s.mu.Unlock()
	rec := s.userByID(id)
	if rec == nil {
		userNotFound(w, id)
		return
	}
	if s.cfg.DeleteDeactivates {
		u := cloneUser(rec.u)
		u.Active = false
		s.commitUser(rec, u)
	} else {
		now := formatTime(s.now())
		for _, g := range rec.groups {
			g.modified = now
		}
		s.removeUser(rec)
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- PATCH /Users/{id} ----

type patchIn struct {
	Schemas    []string    `json:"schemas"`
	Operations []patchOpIn `json:"Operations"`
}

type patchOpIn struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// scimError is a request error carrying its SCIM status and scimType.
type scimError struct {
	status   int
	scimType string
	detail   string
}

func (e *scimError) Error() string { return e.detail }

func badRequest(scimType, format string, args ...any) error {
	return &scimError{status: http.StatusBadRequest, scimType: scimType, detail: fmt.Sprintf(format, args...)}
}

func writeErr(w http.ResponseWriter, err error) {
	var se *scimError
	if errors.As(err, &se) {
		writeError(w, se.status, se.scimType, se.detail)
		return
	}
	writeError(w, http.StatusBadRequest, "invalidValue", err.Error())
}

func decodePatch(c *call) (patchIn, error) {
	var p patchIn
	if err := decodeBody(c, &p); err != nil {
		return p, badRequest("invalidSyntax", "%v", err)
	}
	if len(p.Schemas) > 0 && !slices.ContainsFunc(p.Schemas, func(s string) bool { return strings.EqualFold(s, client.SchemaPatchOp) }) {
		return p, badRequest("invalidSyntax", "schemas must be [%q]", client.SchemaPatchOp)
	}
	if len(p.Operations) == 0 {
		return p, badRequest("invalidSyntax", "Operations is empty")
	}
	for i, op := range p.Operations {
		switch strings.ToLower(op.Op) {
		case "add", "replace", "remove":
		default:
			return p, badRequest("invalidSyntax", "Operations[%d].op must be add, replace or remove, got %q", i, op.Op)
		}
	}
	return p, nil
}

func (s *Server) patchUser(w http.ResponseWriter, c *call, id string) {
	p, err := decodePatch(c)
	if err != nil {
		writeErr(w, err)
		return
	}
	s.lockWrite()
	defer s.mu.Unlock()
	rec := s.userByID(id)
	if rec == nil {
		userNotFound(w, id)
		return
	}
	// Operations apply to a copy: all of them succeed or none does.
	u := cloneUser(rec.u)
	for i, op := range p.Operations {
		if err := s.applyUserOp(&u, strings.ToLower(op.Op), op.Path, op.Value); err != nil {
			var se *scimError
			if errors.As(err, &se) {
				se.detail = fmt.Sprintf("Operations[%d]: %s", i, se.detail)
			}
			writeErr(w, err)
			return
		}
	}
	if !strings.EqualFold(u.UserName, rec.u.UserName) {
		if _, dup := s.byName[strings.ToLower(u.UserName)]; dup {
			writeError(w, http.StatusConflict, "uniqueness", fmt.Sprintf("a user with userName %q already exists", u.UserName))
			return
		}
	}
	s.commitUser(rec, u)
	writeJSON(w, http.StatusOK, s.renderUser(c.root, rec))
}

func (s *Server) applyUserOp(u *client.User, op, path string, raw json.RawMessage) error {
	if strings.TrimSpace(path) == "" {
		if op == "remove" {
			return badRequest("noTarget", "remove needs a path")
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return badRequest("invalidValue", "an operation without path needs an object value: %v", err)
		}
		// Sorted keys keep error messages deterministic.
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if strings.EqualFold(k, client.SchemaEnterpriseUser) || strings.EqualFold(k, "name") {
				var sub map[string]json.RawMessage
				if err := json.Unmarshal(obj[k], &sub); err != nil {
					return badRequest("invalidValue", "%s must be an object", k)
				}
				prefix := "name."
				if !strings.EqualFold(k, "name") {
					prefix = k + ":"
				}
				for sk, sv := range sub {
					if err := s.applyUserOp(u, op, prefix+sk, sv); err != nil {
						return err
					}
				}
				continue
			}
			if err := s.applyUserOp(u, op, k, obj[k]); err != nil {
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
	switch uri {
	case "", coreURN:
	case entURN:
		return s.applyEnterpriseOp(u, op, key, raw)
	default:
		return badRequest("invalidPath", "unknown schema in path %q", path)
	}
	if p.ValueExpression != nil {
		return applyEmailFilterOp(u, op, p, raw)
	}

	setStr := func(dst *string) error {
		if op == "remove" {
			*dst = ""
			return nil
		}
		v, err := stringValue(raw)
		if err != nil {
			return badRequest("invalidValue", "%s: %v", path, err)
		}
		*dst = v
		return nil
	}
	switch key {
	case "active":
		if op == "remove" {
			return badRequest("mutability", "active cannot be removed; replace it with false")
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return badRequest("invalidValue", "active: %v", err)
		}
		b, ok := boolValue(v)
		if !ok {
			return badRequest("invalidValue", "active must be true or false, got %s", raw)
		}
		u.Active = b == "true"
		return nil
	case "username":
		if op == "remove" {
			return badRequest("mutability", "userName is required and cannot be removed")
		}
		if err := setStr(&u.UserName); err != nil {
			return err
		}
		if u.UserName == "" {
			return badRequest("invalidValue", "userName cannot be empty")
		}
		return nil
	case "givenname", "name.givenname":
		return setStr(&u.Name.GivenName)
	case "familyname", "name.familyname":
		return setStr(&u.Name.FamilyName)
	case "name.formatted":
		return setStr(&u.Name.Formatted)
	case "name.middlename":
		return setStr(&u.Name.MiddleName)
	case "name":
		if op == "remove" {
			u.Name = client.Name{}
			return nil
		}
		var n client.Name
		if err := json.Unmarshal(raw, &n); err != nil {
			return badRequest("invalidValue", "name must be an object: %v", err)
		}
		u.Name = n
		return nil
	case "externalid":
		return setStr(&u.ExternalID)
	case "usertype":
		return setStr(&u.UserType)
	case "title":
		return setStr(&u.Title)
	case "displayname":
		return setStr(&u.DisplayName)
	case "nickname":
		return setStr(&u.NickName)
	case "preferredlanguage":
		return setStr(&u.PreferredLanguage)
	case "locale":
		return setStr(&u.Locale)
	case "timezone":
		return setStr(&u.Timezone)
	case "emails":
		if op == "remove" {
			u.Emails = nil
			return nil
		}
		var list []client.MultiValue
		if err := json.Unmarshal(raw, &list); err != nil {
			return badRequest("invalidValue", "emails must be an array of {value, type, primary}: %v", err)
		}
		if op == "add" {
			list = append(slices.Clone(u.Emails), list...)
		}
		u.Emails = normalizeEmails(list)
		return nil
	case "department", "jobtitle", "manager", "manager.value", "division", "employeeid", "officelocation", "businessunit":
		// OneTrust's shortcuts for enterprise attributes.
		return s.applyEnterpriseOp(u, op, key, raw)
	case "groups":
		return badRequest("mutability", "groups are read-only on a user; use PATCH /Groups/{groupId} with op add/remove on members")
	case "id", "meta":
		return badRequest("mutability", "%s is read-only", path)
	}
	return badRequest("invalidPath", "attribute %q cannot be patched", path)
}

func (s *Server) applyEnterpriseOp(u *client.User, op, key string, raw json.RawMessage) error {
	var e client.EnterpriseUser
	if u.Enterprise != nil {
		e = *u.Enterprise
	}
	var dst *string
	switch key {
	case "department":
		dst = &e.Department
	case "jobtitle":
		dst = &e.JobTitle
	case "division":
		dst = &e.Division
	case "businessunit":
		dst = &e.BusinessUnit
	case "officelocation":
		dst = &e.OfficeLocation
	case "employeeid":
		dst = &e.EmployeeID
	case "employeenumber":
		dst = &e.EmployeeNumber
	case "costcenter":
		dst = &e.CostCenter
	case "organization":
		dst = &e.Organization
	case "manager", "manager.value":
		id := ""
		if op != "remove" {
			// Either "id" or {"value": "id"}.
			var m client.Manager
			if err := json.Unmarshal(raw, &m); err != nil {
				v, serr := stringValue(raw)
				if serr != nil {
					return badRequest("invalidValue", "manager must be a user id or {\"value\": id}")
				}
				m.Value = v
			}
			id = m.Value
		}
		if id == "" {
			e.Manager = nil
		} else {
			if s.userByID(id) == nil {
				return badRequest("invalidValue", "manager %q is not a user", id)
			}
			e.Manager = &client.Manager{Value: id, DisplayName: s.managerName(id)}
		}
		u.Enterprise = &e
		return nil
	default:
		return badRequest("invalidPath", "enterprise attribute %q cannot be patched", key)
	}
	if op == "remove" {
		*dst = ""
	} else {
		v, err := stringValue(raw)
		if err != nil {
			return badRequest("invalidValue", "%s: %v", key, err)
		}
		*dst = v
	}
	u.Enterprise = &e
	return nil
}

// applyEmailFilterOp handles emails[type eq "work"].value, as Azure AD sends.
func applyEmailFilterOp(u *client.User, op string, p filter.Path, raw json.RawMessage) error {
	if _, key := pathKey(p.AttributePath); key != "emails" {
		return badRequest("invalidPath", "value filters are supported on emails only, not %v", p.AttributePath)
	}
	match, err := compileFilter(p.ValueExpression, emailScope)
	if err != nil {
		return badRequest("invalidPath", "%v", err)
	}
	sub := strings.ToLower(p.SubAttributeName())
	emails := slices.Clone(u.Emails)
	if op == "remove" {
		u.Emails = normalizeEmails(slices.DeleteFunc(emails, match))
		return nil
	}
	if sub != "" && sub != "value" {
		return badRequest("invalidPath", "only emails[...].value can be set")
	}
	v, err := stringValue(raw)
	if err != nil {
		return badRequest("invalidValue", "email: %v", err)
	}
	found := false
	for i := range emails {
		if match(emails[i]) {
			emails[i].Value, emails[i].Display, found = v, v, true
		}
	}
	if !found {
		typ := "work"
		if ae, ok := p.ValueExpression.(*filter.AttributeExpression); ok {
			if t, ok := ae.CompareValue.(string); ok && strings.EqualFold(ae.AttributePath.AttributeName, "type") {
				typ = t
			}
		}
		emails = append(emails, client.MultiValue{Value: v, Type: typ})
	}
	u.Emails = normalizeEmails(emails)
	return nil
}

func stringValue(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("expected a string, got %s", raw)
	}
	return v, nil
}
