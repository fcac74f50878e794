package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// figWrites grants and revokes one membership through access.Service.Apply
// (the path the TUI and CLI share), counting the HTTP requests each takes,
// then drives the same change through the UI to show that Update returns
// before the request is sent: the write runs in a tea.Cmd.
func figWrites(ctx context.Context, e *env) (Row, error) {
	row := Row{Figure: "grant/revoke round trip", Target: "1 request + 1 cache transaction; UI never blocks"}
	if e.cacheFile == "" {
		return row, errors.New("no reference cache (the sync figure failed)")
	}
	st, err := cache.Open(e.cacheFile)
	if err != nil {
		return row, err
	}
	defer st.Close()
	snap, err := st.Load(ctx)
	if err != nil {
		return row, err
	}
	c, err := e.newClient()
	if err != nil {
		return row, err
	}
	svc := access.New(c, st, "bench")
	svc.Actor = "bench"

	// A user and a group it is not in: grant, then revoke, a few times.
	u, g := 0, -1
	for k := range snap.Groups {
		if !snap.IsMember(u, k) {
			g = k
			break
		}
	}
	if g < 0 {
		return row, errors.New("user 0 holds every group")
	}
	var times timings
	maxReqs := 0
	for i := range 6 {
		grant := i%2 == 0
		before := e.srv.Requests()
		out := svc.Apply(ctx, access.NewChange(snap, u, g, grant))
		if out.Err != nil {
			return row, out.Err
		}
		if e.srv.IsMember(snap.Users[u].ID, snap.Groups[g].ID) != grant {
			return row, fmt.Errorf("the server did not record the %s", out.Change.Verb())
		}
		snap.SetMember(u, g, grant)
		maxReqs = max(maxReqs, int(e.srv.Requests()-before))
		times = append(times, out.Duration)
	}

	// The same through the UI: open user 0, toggle the first cell, confirm.
	upd, sent, done, err := uiWrite(snap, svc, e.srv)
	if err != nil {
		return row, fmt.Errorf("driving the UI: %w", err)
	}
	row.Measured = fmt.Sprintf("%d request per change, %s median (%s latency); confirming in the UI: Update %s, %d requests sent",
		maxReqs, fmtDur(times.quantile(0.5)), e.opt.Latency, fmtDur(upd), sent)
	resync := e.resyncReqs // the default sync's; the SCIM-only one's when that figure failed
	if resync == 0 {
		resync = e.syncRequests
	}
	row.Comparison = fmt.Sprintf("the tea.Cmd it returned sent %d; a re-sync sends %d", done, resync)
	row.Pass = maxReqs == 1 && sent == 0 && done == 1
	row.Limit = "the server's latency: one PATCH /Groups/{id}, then one SQLite transaction (Store.RecordMembership: finding the user's page, by a scan of every page's ids the first time in a session and a remembered, checked hint after, rewriting that page, the counts and the audit row); " +
		"the TUI runs Service.Apply in the tea.Cmd that confirming returns, so Update never waits on the network"
	row.Metrics = map[string]float64{"requests": float64(maxReqs), "apply_ms": ms(times.quantile(0.5)), "ui_update_ms": ms(upd)}
	return row, nil
}

// uiWrite opens the first user of the users screen, toggles the first cell
// of its matrix and confirms. It returns how long the confirming Update
// (and its frame) took, how many requests the server had received by then,
// and how many once the returned command had run.
func uiWrite(snap *tenant.Snapshot, svc *access.Service, srv *scimtest.Server) (upd time.Duration, sent, done int, err error) {
	m := newUI(snap, svc)
	press(m, "enter")
	press(m, "g") // the first cell: the detail opens on the user's first membership
	g, ok := snap.Cell(0, 0)
	if !ok {
		return 0, 0, 0, errors.New("no group for the first role and org")
	}
	uid, gid := snap.Users[0].ID, snap.Groups[g].ID
	was := srv.IsMember(uid, gid)
	press(m, "space")
	time.Sleep(250 * time.Millisecond) // dialogs ignore keys for a moment after opening
	before := srv.Requests()
	start := time.Now()
	_, cmd := m.Update(keyMsg("y"))
	frame(m)
	upd = time.Since(start)
	sent = int(srv.Requests() - before)
	if cmd == nil {
		return upd, sent, 0, errors.New("confirming returned no command (did the dialog open?)")
	}
	runCmds(m, cmd, 30*time.Second)
	done = int(srv.Requests() - before)
	if srv.IsMember(uid, gid) == was {
		return upd, sent, done, errors.New("the confirmed change did not reach the server")
	}
	return upd, sent, done, nil
}
