package access

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// A write whose connection is refused is "not sent": not "failed
// (unchanged): the outcome is unknown", no re-read is attempted, and the
// audit row says not sent (issue 14.5).
func TestRefusedWriteIsNotSent(t *testing.T) {
	ctx := context.Background()
	svc, srv, snap := newService(t, scimtest.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	svc.Client, err = client.New(client.Options{BaseURL: "http://" + addr + "/api/scim/v2", Token: "t",
		BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	u, g := outsider(t, snap)
	before := srv.Requests()
	out := svc.Apply(ctx, NewChange(snap, u, g, true))
	if !IsNotSent(out.Err) {
		t.Fatalf("refused grant: %v is not not-sent", out.Err)
	}
	msg := out.Err.Error()
	if !strings.HasPrefix(msg, "not sent: connection refused") || strings.Contains(msg, "unknown") || strings.Contains(msg, "failed") {
		t.Fatalf("message %q", msg)
	}
	if out.Member || out.Reread != nil || srv.Requests() != before {
		t.Fatalf("member %v, reread %v, %d requests reached the real server", out.Member, out.Reread != nil, srv.Requests()-before)
	}
	// ApplyVerified (the CLI's grant) reads the user first: that read is
	// refused, so the grant is not sent either, and says so.
	if out := svc.ApplyVerified(ctx, NewChange(snap, u, g, true)); !strings.HasPrefix(errText(out.Err), "not sent: connection refused") {
		t.Fatalf("ApplyVerified: %v", out.Err)
	}
	rows, err := svc.Audit(ctx, 1)
	if err != nil || len(rows) != 1 {
		t.Fatal(rows, err)
	}
	if !strings.HasPrefix(rows[0].Result, "not sent: connection refused") {
		t.Fatalf("audit row result %q", rows[0].Result)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
