package client

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

const testToken = "tok-SECRET-123"

// newTestClient serves h under /api/scim/v2 and returns a client with fast
// retries and no pacing.
func newTestClient(t *testing.T, h http.Handler, mod ...func(*Options)) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts := Options{
		BaseURL:           srv.URL + "/api/scim/v2/",
		Token:             testToken,
		RequestsPerMinute: 1 << 30,
		BaseBackoff:       time.Millisecond,
		MaxBackoff:        20 * time.Millisecond,
		Timeout:           5 * time.Second,
	}
	for _, m := range mod {
		m(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, srv
}

// recorded is what a handler saw of one request.
type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// recorder answers every request with a fixed status and body and keeps
// what it received.
type recorder struct {
	mu     sync.Mutex
	reqs   []recorded
	status int
	body   string
	header map[string]string
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, recorded{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), b})
	status, body := rc.status, rc.body
	rc.mu.Unlock()
	for k, v := range rc.header {
		w.Header().Set(k, v)
	}
	if status == 0 {
		status = 200
	}
	if body != "" {
		w.Header().Set("Content-Type", "application/scim+json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func (rc *recorder) last(t *testing.T) recorded {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.reqs) == 0 {
		t.Fatal("the server received no request")
	}
	return rc.reqs[len(rc.reqs)-1]
}

func (rc *recorder) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.reqs)
}

// sequence answers request i with steps[min(i, len-1)].
type step struct {
	status int
	body   string
	header map[string]string
}

type sequence struct {
	mu    sync.Mutex
	steps []step
	n     int
}

func (s *sequence) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	st := s.steps[min(s.n, len(s.steps)-1)]
	s.n++
	s.mu.Unlock()
	for k, v := range st.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(st.status)
	_, _ = io.WriteString(w, st.body)
}

func (s *sequence) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
