package scimtest

import (
	"cmp"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Per-user audit activities, GET /api/audit/v1/users/{userId}/activities
// (ONETRUST-API.md section 8): a Spring page of changes to the user's
// details, roles and organizations. The fake keeps them consistent with
// its writes: every grant, revoke and deactivation through SCIM adds one
// with method "User Provisioning"; the memberships a user was generated
// with have a history with method "User Management", made up on first
// need (a read, or the user's first write) from the seed and the user id,
// so a 100k-user tenant costs nothing until someone looks.

const (
	auditPrefix = "/api/audit/v1/users/"
	// Activity events and methods, as OneTrust names them (the spec's
	// example: event "User Edit", method "User Management").
	eventUserEdit      = "User Edit"
	eventUserCreate    = "User Create"
	methodManagement   = "User Management"
	methodProvisioning = "User Provisioning"
	// FieldRole is the fieldName of a role x org change; its old or new
	// value is the group's displayName ("Role - Org").
	FieldRole   = "Role"
	fieldStatus = "Status"
	// auditDate is the spec's microsecond, Z-suffixed form.
	auditDate = "2006-01-02T15:04:05.000000Z"
)

// admins are who made the generated changes.
var admins = []string{"Alice Admin", "Bram de Vries", "Chen Wei", "Dana Okafor"}

type activityRec struct {
	at                             time.Time
	event, field, old, new, method string
	by                             string
}

type activityWire struct {
	Name      string `json:"name"`
	Email     string `json:"email"`
	Event     string `json:"event"`
	FieldName string `json:"fieldName"`
	OldValue  string `json:"oldValue"`
	NewValue  string `json:"newValue"`
	Method    string `json:"method"`
	UpdatedBy string `json:"updatedBy"`
	Date      string `json:"date"`
}

// auditLog holds the users' activities. Its lock is taken after s.mu
// (read or write), never before.
type auditLog struct {
	mu   sync.Mutex
	acts map[*userRec][]activityRec
}

// activitiesOf is u's history, made up from its generated state first.
// Called with s.mu held (either way) and s.audit.mu held.
func (s *Server) activitiesOf(u *userRec) []activityRec {
	if s.audit.acts == nil {
		s.audit.acts = map[*userRec][]activityRec{}
	}
	if acts, ok := s.audit.acts[u]; ok {
		return acts
	}
	h := fnv.New64a()
	h.Write([]byte(u.u.ID))
	r := rand.New(rand.NewPCG(uint64(s.cfg.Seed), h.Sum64()))
	created := generationTime.Add(-time.Duration(400+r.IntN(900)) * 24 * time.Hour)
	acts := []activityRec{{at: created, event: eventUserCreate, field: "User", new: u.u.UserName, method: methodManagement, by: admins[r.IntN(len(admins))]}}
	at := created
	for _, g := range u.groups {
		at = at.Add(time.Duration(1+r.IntN(120)) * 24 * time.Hour)
		if at.After(generationTime) {
			at = generationTime.Add(-time.Duration(r.IntN(48)) * time.Hour)
		}
		acts = append(acts, activityRec{at: at, event: eventUserEdit, field: FieldRole, new: g.displayName, method: methodManagement, by: admins[r.IntN(len(admins))]})
	}
	if !u.u.Active {
		acts = append(acts, activityRec{at: generationTime.Add(-time.Duration(1+r.IntN(90)) * 24 * time.Hour), event: eventUserEdit, field: fieldStatus, old: "Active", new: "Inactive", method: methodManagement, by: admins[r.IntN(len(admins))]})
	}
	s.audit.acts[u] = acts
	return acts
}

// provisioned records a change made through SCIM (s.mu held for writing).
func (s *Server) provisioned(c *call, u *userRec, field, old, new string) {
	s.audit.mu.Lock()
	defer s.audit.mu.Unlock()
	acts := s.activitiesOf(u)
	s.audit.acts[u] = append(acts, activityRec{at: s.now(), event: eventUserEdit, field: field, old: old, new: new,
		method: methodProvisioning, by: c.grant.who(s)})
}

// who names the credential as an activity's updatedBy: OneTrust records
// an API credential as its user, {tenantGuid}@api.onetrust.com.
func (g *grant) who(s *Server) string {
	if g == nil {
		return "SCIM"
	}
	return s.auth.tenantGUID + "@api.onetrust.com"
}

// serveActivities is GET /api/audit/v1/users/{userId}/activities: newest
// first, paged like every access list.
func (s *Server) serveActivities(w http.ResponseWriter, c *call) {
	rest := strings.TrimPrefix(c.rel, auditPrefix)
	id, tail, _ := strings.Cut(rest, "/")
	if tail != "activities" || id == "" {
		apiError(w, c, http.StatusNotFound, "no such endpoint")
		return
	}
	if c.r.Method != http.MethodGet {
		apiMethodNotAllowed(w, c, "GET")
		return
	}
	if !looksLikeUUID(id) {
		apiError(w, c, http.StatusBadRequest, "userId must be a UUID")
		return
	}
	page, size, err := springPage(c.r.URL.Query())
	if err != nil {
		apiError(w, c, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.userByID(id)
	if u == nil {
		apiError(w, c, http.StatusNotFound, "user "+id+" not found")
		return
	}
	s.audit.mu.Lock()
	acts := slices.Clone(s.activitiesOf(u))
	s.audit.mu.Unlock()
	slices.SortStableFunc(acts, func(a, b activityRec) int { return cmp.Compare(b.at.UnixNano(), a.at.UnixNano()) })
	name := strings.TrimSpace(u.u.Name.GivenName + " " + u.u.Name.FamilyName)
	email := u.u.PrimaryEmail()
	writeAccessJSON(w, http.StatusOK, pageOf(len(acts), page, size, true, func(i int) activityWire {
		a := acts[i]
		return activityWire{Name: name, Email: email, Event: a.event, FieldName: a.field, OldValue: a.old, NewValue: a.new,
			Method: a.method, UpdatedBy: a.by, Date: a.at.UTC().Format(auditDate)}
	}))
}

func looksLikeUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if r != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", r):
			return false
		}
	}
	return true
}

// auditSeed makes up u's generated history before a write changes what it
// is made from (s.mu held for writing).
func (s *Server) auditSeed(u *userRec) {
	s.audit.mu.Lock()
	defer s.audit.mu.Unlock()
	s.activitiesOf(u)
}

func statusWord(active bool) string {
	if active {
		return "Active"
	}
	return "Inactive"
}
