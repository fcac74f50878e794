package client

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func clientAt(t *testing.T, base string) *Client {
	t.Helper()
	c, err := New(Options{BaseURL: base, Token: testToken, RequestsPerMinute: 1 << 30,
		BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A request that never reached the server (refused, TLS handshake failed)
// is NotSent; one that reached it and lost its answer is not.
func TestNotSent(t *testing.T) {
	ctx := context.Background()

	// Connection refused: a port nobody listens on any more.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	err = clientAt(t, "http://"+addr+"/api/scim/v2/").AddMember(ctx, "g1", "u1")
	if !IsNotSent(err) {
		t.Fatalf("refused: %v is not NotSent", err)
	}
	if r := NotSentReason(err); r != "connection refused" {
		t.Fatalf("refused: reason %q", r)
	}

	// TLS handshake failure: a certificate the client does not trust.
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	err = clientAt(t, tlsSrv.URL+"/api/scim/v2/").AddMember(ctx, "g1", "u1")
	if !IsNotSent(err) || !strings.HasPrefix(NotSentReason(err), "TLS handshake failed") {
		t.Fatalf("untrusted certificate: %v (NotSent %v, reason %q)", err, IsNotSent(err), NotSentReason(err))
	}

	// The server read the request and dropped the connection: it may have
	// acted on it, so the outcome is unknown, not "not sent".
	var got atomic.Int32 // the handler runs on the server's goroutines
	drop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	c, _ := newTestClient(t, drop)
	err = c.AddMember(ctx, "g1", "u1")
	if err == nil || IsNotSent(err) || got.Load() == 0 {
		t.Fatalf("dropped after reading: %v, NotSent %v, %d requests seen", err, IsNotSent(err), got.Load())
	}

	// A DNS failure comes as a dial error too: nothing was sent.
	if !unsent(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}) {
		t.Fatal("a DNS failure is not unsent")
	}
	if unsent(&net.OpError{Op: "read", Err: errReset}) {
		t.Fatal("a read error counts as unsent")
	}
}

var errReset = &net.OpError{Op: "read", Err: net.ErrClosed}
