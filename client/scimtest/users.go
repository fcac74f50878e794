package scimtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/otaccess/otaccess/client"
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
	src := s.visibleUsers(c.view(), s.users)
	if pred != nil {
		all := src
		src = nil
		for _, u := range all {
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
	// The envelope is written by hand around each user's cached encoding;
	// the bytes are what writeJSON would produce for a listWire.
	head := `{"schemas":["` + client.SchemaListResponse + `"],"totalResults":` + strconv.Itoa(adjustTotal(total, c.fault)) +
		`,"startIndex":` + strconv.Itoa(start) + `,"itemsPerPage":` + strconv.Itoa(len(page)) + `,"Resources":[`
	encoded := make([][]byte, len(page))
	for i, u := range page {
		js, err := s.userJSONIn(c.view(), c.root, u)
		if err != nil {
			s.mu.RUnlock()
			http.Error(w, "encoding response: "+err.Error(), http.StatusInternalServerError)
			return
		}
		encoded[i] = js
	}
	s.mu.RUnlock()
	writeItems(w, contentType, head, encoded, "]}\n")
}

func (s *Server) getUser(w http.ResponseWriter, c *call, id string) {
	s.mu.RLock()
	rec := s.userByID(id)
	var out userWire
	if rec != nil {
		out = s.renderUserIn(c.view(), c.root, rec)
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

// userNameTaken answers 409 when some user (invited ones too) already has
// userName, in any case, and reports whether it did. Caller holds s.mu.
func (s *Server) userNameTaken(w http.ResponseWriter, userName string) bool {
	if _, dup := s.byName[strings.ToLower(userName)]; !dup {
		return false
	}
	writeError(w, http.StatusConflict, "uniqueness", fmt.Sprintf("a user with userName %q already exists", userName))
	return true
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

// basics copies the attributes POST and PUT may set from a request body. A
// manager must be a user, an email must look like one: 400 otherwise, as
// PATCH answers. A body without displayName gets "Given Family", as the
// generated users have it (and manager names are resolved from it).
func (s *Server) basics(dst *client.User, in *userIn) error {
	if err := validEmails(in.Emails); err != nil {
		return err
	}
	dst.ExternalID = in.ExternalID
	dst.Name = in.Name
	dst.DisplayName = in.DisplayName
	if dst.DisplayName == "" {
		dst.DisplayName = derivedDisplayName(in.Name)
	}
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
			if s.userByID(e.Manager.Value) == nil {
				return badRequest("invalidValue", "manager %q is not a user", e.Manager.Value)
			}
			e.Manager = &client.Manager{Value: e.Manager.Value, DisplayName: s.managerName(e.Manager.Value)}
		} else {
			e.Manager = nil
		}
		dst.Enterprise = &e
	}
	return nil
}

// derivedDisplayName is the displayName the tenant gives a user whose
// request named none.
func derivedDisplayName(n client.Name) string {
	return strings.TrimSpace(n.GivenName + " " + n.FamilyName)
}

// validEmail reports whether v is one bare address (local@domain, no
// display name, no spaces): OneTrust answers 400 to anything else.
func validEmail(v string) bool {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v {
		return false
	}
	local, domain, ok := strings.Cut(v, "@")
	return ok && local != "" && domain != "" && !strings.ContainsAny(v, " \t")
}

// validEmails is the 400 for the first email that is not an address.
func validEmails(list []client.MultiValue) error {
	for i, e := range list {
		if v := strings.TrimSpace(e.Value); v != "" && !validEmail(v) {
			return badRequest("invalidValue", "emails[%d].value %q is not an email address", i, e.Value)
		}
	}
	return nil
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

	if strings.Contains(userName, "@") && !validEmail(userName) {
		writeError(w, http.StatusBadRequest, "invalidValue", fmt.Sprintf("userName %q is not an email address", userName))
		return
	}

	s.lockWrite()
	if s.userNameTaken(w, userName) {
		s.mu.Unlock()
		return
	}
	u := client.User{UserName: userName}
	if err := s.basics(&u, &in); err != nil {
		s.mu.Unlock()
		writeErr(w, err)
		return
	}
	u.ID = s.newID()
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
	// The default role and organization (User Provisioning in OneTrust).
	if g := s.defaultGroupIn(c.view()); g != nil {
		link(rec, g)
		g.modified = now
	}
	out := s.renderUserIn(c.view(), c.root, rec)
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
		if s.userNameTaken(w, name) {
			return
		}
		u.UserName = name
	} else if name != "" {
		u.UserName = name
	}
	if err := s.basics(&u, &in); err != nil {
		writeErr(w, err)
		return
	}
	if in.Active != nil {
		u.Active = *in.Active
	}
	s.commitUser(rec, u)
	writeJSON(w, http.StatusOK, s.renderUserIn(c.view(), c.root, rec))
}

// commitUser stores an edited copy of a user and bumps lastModified. Caller
// holds s.mu for writing.
func (s *Server) commitUser(rec *userRec, u client.User) {
	if !strings.EqualFold(u.UserName, rec.u.UserName) {
		delete(s.byName, strings.ToLower(rec.u.UserName))
		s.byName[strings.ToLower(u.UserName)] = rec
	}
	now := s.now()
	s.noteActive(rec, rec.u.Active, u.Active, now)
	u.Meta.LastModified = formatTime(now)
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
