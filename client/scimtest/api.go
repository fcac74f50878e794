package scimtest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// routeAPI serves OneTrust's REST APIs beside SCIM (c.rel is the path from
// the host's root). The scope check has already run (scopeRoutes).
func (s *Server) routeAPI(w http.ResponseWriter, c *call) {
	if s.cfg.NoAccessAPIs {
		notFound(w, c)
		return
	}
	m, p := c.r.Method, c.rel
	switch {
	case strings.HasPrefix(p, accessPrefix) && p != orgsPath:
		s.routeAccess(w, c)
	case p == orgsPath:
		if m != http.MethodGet {
			apiMethodNotAllowed(w, c, "GET")
			return
		}
		s.serveOrganizations(w, c)
	default:
		apiError(w, c, http.StatusNotFound, "no such endpoint")
	}
}

const apiContentType = "application/json"

// apiErrorWire is the Spring-style error body OneTrust's REST APIs answer
// with (their spec gives none; this is what such a server sends).
type apiErrorWire struct {
	Timestamp string `json:"timestamp"`
	Status    int    `json:"status"`
	Error     string `json:"error"`
	Message   string `json:"message"`
	Path      string `json:"path"`
}

func apiError(w http.ResponseWriter, c *call, status int, msg string) {
	writeJSONAs(w, status, apiContentType, apiErrorWire{
		Timestamp: time.Now().UTC().Format(time.RFC3339), Status: status,
		Error: http.StatusText(status), Message: msg, Path: c.r.URL.Path,
	})
}

func apiMethodNotAllowed(w http.ResponseWriter, c *call, allow string) {
	w.Header().Set("Allow", allow)
	apiError(w, c, http.StatusMethodNotAllowed, fmt.Sprintf("%s not allowed here; allowed: %s", c.r.Method, allow))
}

// ---- organizations ----

const orgsPath = "/api/access/v1/external/organizations"

// orgParent is the fake's tree: the first org is the root and org i hangs
// under org (i-1)/2, so 5 orgs make 3 levels.
func orgParent(i int) int {
	if i == 0 {
		return -1
	}
	return (i - 1) / 2
}

// OrgParent is the index of org i's parent in Orgs(), -1 for the root.
func OrgParent(i int) int { return orgParent(i) }

type orgWire struct {
	OrganizationID       string    `json:"organizationId"`
	ExternalID           string    `json:"externalId"`
	ParentOrganizationID *string   `json:"parentOrganizationId"`
	ParentExternalID     *string   `json:"parentExternalId"`
	Name                 string    `json:"name"`
	DefaultApprover      string    `json:"defaultApprover"`
	DefaultLanguageCode  string    `json:"defaultLanguageCode"`
	Description          string    `json:"description"`
	Children             []orgWire `json:"children"`
}

func orgExternalID(i int) string { return fmt.Sprintf("ORG-%03d", i) }

// serveOrganizations is GET /api/access/v1/external/organizations: one
// root node with nested children. A credential made in a child org sees
// its subtree only, rooted at its org (whose parent is still named).
func (s *Server) serveOrganizations(w http.ResponseWriter, c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	children := make([][]int, len(s.orgs))
	for i := range s.orgs {
		if p := orgParent(i); p >= 0 {
			children[p] = append(children[p], i)
		}
	}
	var node func(i int) orgWire
	node = func(i int) orgWire {
		o := s.orgs[i]
		n := orgWire{OrganizationID: o.ID, ExternalID: orgExternalID(i), Name: o.Name,
			DefaultApprover:     "grc@" + strings.ToLower(strings.ReplaceAll(s.orgs[0].Name, " ", "")) + ".test",
			DefaultLanguageCode: "en-us", Children: []orgWire{}}
		if p := orgParent(i); p >= 0 {
			pid, pext := s.orgs[p].ID, orgExternalID(p)
			n.ParentOrganizationID, n.ParentExternalID = &pid, &pext
		}
		for _, ch := range children[i] {
			n.Children = append(n.Children, node(ch))
		}
		return n
	}
	writeJSONAs(w, http.StatusOK, apiContentType, node(c.grant.org))
}
