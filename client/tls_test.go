package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestDefaultClientVerifiesTLS: against a server whose certificate no CA
// vouches for, the default client refuses at the handshake — the token is
// never sent — says why, and does not retry.
func TestDefaultClientVerifiesTLS(t *testing.T) {
	var reached atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
	}))
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL + "/api/scim/v2", Token: testToken, MaxRetries: 3, BaseBackoff: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetUser(context.Background(), "u1")
	var ce *Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "certificate") || ce.Attempts != 1 {
		t.Fatalf("GetUser over an untrusted certificate: %v", err)
	}
	if n := reached.Load(); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}
}
