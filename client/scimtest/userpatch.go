package scimtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/otaccess/otaccess/client"
	filter "github.com/scim2/filter-parser/v2"
)

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
	if err := validEmails(u.Emails); err != nil {
		writeErr(w, err)
		return
	}
	if !strings.EqualFold(u.UserName, rec.u.UserName) && s.userNameTaken(w, u.UserName) {
		return
	}
	// A displayName the tenant derived from the names follows them.
	if old := rec.u; u.DisplayName == old.DisplayName && old.DisplayName == derivedDisplayName(old.Name) && u.Name != old.Name {
		u.DisplayName = derivedDisplayName(u.Name)
	}
	wasActive := rec.u.Active
	s.auditSeed(rec)
	s.commitUser(rec, u)
	if wasActive != u.Active {
		s.provisioned(c, rec, fieldStatus, statusWord(wasActive), statusWord(u.Active))
	}
	writeJSON(w, http.StatusOK, s.renderUserIn(c.view(), c.root, rec))
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
