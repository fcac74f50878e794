package scimtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client"
)

// testToken is the one test token (see TestToken).
const testToken = TestToken

type response struct {
	status int
	header http.Header
	body   []byte
}

func newTS(t *testing.T, cfg Config) *TestServer {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = testToken
	}
	return NewTestServer(t, cfg)
}

// call sends method to ts.URL+path (path may carry a query) with the test
// token and body (JSON-encoded unless it is a string).
func do(t *testing.T, ts *TestServer, method, path string, body any) response {
	t.Helper()
	return doAuth(t, ts, method, path, "Bearer "+testToken, body)
}

func doAuth(t *testing.T, ts *TestServer, method, path, auth string, body any) response {
	t.Helper()
	r, err := send(ts, method, path, auth, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func send(ts *TestServer, method, path, auth string, body any) (response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		return response{}, err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return response{status: res.StatusCode, header: res.Header}, err
	}
	return response{status: res.StatusCode, header: res.Header, body: b}, nil
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decoding %T from %d %q: %v", v, r.status, trunc(r.body), err)
	}
	return v
}

func trunc(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

func expectStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, trunc(r.body))
	}
}

// expectSCIMError checks a SCIM error body with the given status and scimType.
func expectSCIMError(t *testing.T, r response, status int, scimType string) client.ErrorBody {
	t.Helper()
	expectStatus(t, r, status)
	if ct := r.header.Get("Content-Type"); ct != "application/scim+json" {
		t.Errorf("Content-Type %q", ct)
	}
	e := decode[client.ErrorBody](t, r)
	if len(e.Schemas) != 1 || e.Schemas[0] != client.SchemaError {
		t.Errorf("error schemas %v", e.Schemas)
	}
	if string(e.Status) != itoa(status) {
		t.Errorf("error status %q, want %d", e.Status, status)
	}
	if e.ScimType != scimType {
		t.Errorf("scimType %q, want %q (detail %q)", e.ScimType, scimType, e.Detail)
	}
	if e.Detail == "" {
		t.Errorf("empty detail")
	}
	return e
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

type userList = client.ListResponse[client.User]
type groupList = client.ListResponse[client.Group]

func addOp(userID string) client.PatchOperation { return client.AddMemberOp(userID) }

func parse(s string) time.Time { return client.ParseTime(s) }

// httpServe puts an existing Server behind a test HTTP server.
func httpServe(t *testing.T, s *Server) *TestServer {
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	s.SetPublicURL(hs.URL)
	return &TestServer{Server: s, URL: hs.URL + s.BasePath(), HTTPServer: hs}
}
