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
	case strings.HasPrefix(p, auditPrefix):
		s.serveActivities(w, c)
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
