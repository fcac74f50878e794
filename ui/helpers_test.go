package ui

import (
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/access/accesstest"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// testTenant is a fake OneTrust tenant synced into a fresh cache (the
// shared kit's, under the names these tests use).
type testTenant struct {
	srv  *scimtest.TestServer
	svc  *access.Service
	snap *tenant.Snapshot
}

// newTenant starts a small fake tenant (300 users, 8 roles x 6 orgs unless
// cfg says otherwise), syncs it through the real client and loads it.
func newTenant(t testing.TB, cfg scimtest.Config, mutate ...func(*scimtest.TestServer)) *testTenant {
	t.Helper()
	if cfg.Users == 0 {
		cfg.Users = 300
	}
	if cfg.Roles == 0 {
		cfg.Roles = 8
	}
	if cfg.Orgs == 0 {
		cfg.Orgs = 6
	}
	if cfg.Seed == 0 {
		cfg.Seed = 42
	}
	var opts []accesstest.Option
	for _, m := range mutate {
		opts = append(opts, accesstest.Mutate(m))
	}
	tn := accesstest.New(t, cfg, opts...)
	return &testTenant{srv: tn.Srv, svc: tn.Svc, snap: tn.Snap}
}

// now is four minutes after the sync, as the tests' clock.
func (tn *testTenant) now() time.Time { return tn.snap.Info.FinishedAt.Add(4 * time.Minute) }

// model builds a UI over the tenant, sized w x h, with timers off and no
// dialog grace so tests drive it deterministically.
func (tn *testTenant) model(t testing.TB, w, h int) *driver {
	t.Helper()
	m := New(Options{
		Snapshot: tn.snap, Service: tn.svc,
		Tenant: "acme.onetrust.com", Mode: "online", Now: tn.now,
	})
	return newDriver(t, m, w, h)
}

// driver feeds messages to a model and runs the commands it returns until
// nothing is left, skipping timers (which tests do not wait for).
type driver struct {
	t testing.TB
	m *Model
}

func newDriver(t testing.TB, m *Model, w, h int) *driver {
	m.noTimers = true
	m.grace = 0
	d := &driver{t: t, m: m}
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

// send delivers msg and runs the resulting commands to quiescence.
func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	queue := []tea.Msg{msg}
	deadline := time.Now().Add(20 * time.Second)
	for len(queue) > 0 {
		if time.Now().After(deadline) {
			d.t.Fatal("driver: messages did not settle")
		}
		next := queue[0]
		queue = queue[1:]
		_, cmd := d.m.Update(next)
		queue = append(queue, d.run(cmd)...)
		d.checkView()
	}
}

// run executes cmd, flattening batches; internal Bubble Tea messages (quit,
// clipboard) are dropped.
func (d *driver) run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	switch msg := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, d.run(c)...)
		}
		return out
	case tea.QuitMsg:
		return nil
	}
	if reflect.TypeOf(msg).PkgPath() == reflect.TypeOf(tea.QuitMsg{}).PkgPath() {
		return nil // tea-internal commands such as SetClipboard
	}
	return []tea.Msg{msg}
}

// key presses one key, named as Bubble Tea names it ("enter", "space",
// "ctrl+c") or a printable character.
func (d *driver) key(names ...string) {
	d.t.Helper()
	for _, n := range names {
		d.send(keyMsg(n))
	}
}

// typeText types s one rune at a time.
func (d *driver) typeText(s string) {
	d.t.Helper()
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyMsg(name string) tea.KeyPressMsg {
	switch name {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "shift+right":
		return tea.KeyPressMsg{Code: tea.KeyRight, Mod: tea.ModShift}
	case "shift+left":
		return tea.KeyPressMsg{Code: tea.KeyLeft, Mod: tea.ModShift}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(name)
	if len(r) != 1 {
		panic("keyMsg: unknown key " + name)
	}
	return tea.KeyPressMsg{Code: r[0], Text: name}
}

// screen is the current view, ANSI stripped.
func (d *driver) screen() string { return ansi.Strip(d.m.View().Content) }

// checkView asserts the frame invariants after every message: exactly the
// terminal's height, no line wider than it.
func (d *driver) checkView() {
	d.t.Helper()
	if d.m.width == 0 {
		return
	}
	checkFrame(d.t, d.m.View().Content, d.m.width, d.m.height)
}

func checkFrame(t testing.TB, content string, w, h int) {
	t.Helper()
	ls := strings.Split(content, "\n")
	if len(ls) > h {
		t.Fatalf("view has %d lines, terminal is %d high:\n%s", len(ls), h, ansi.Strip(content))
	}
	for i, l := range ls {
		if lw := ansi.StringWidth(l); lw > w {
			t.Fatalf("line %d is %d wide, terminal is %d:\n%q", i, lw, w, ansi.Strip(l))
		}
	}
}

// contains fails unless the screen shows every want.
func (d *driver) contains(want ...string) {
	d.t.Helper()
	s := d.screen()
	for _, w := range want {
		if !strings.Contains(s, w) {
			d.t.Fatalf("screen lacks %q:\n%s", w, s)
		}
	}
}

func (d *driver) lacks(unwanted ...string) {
	d.t.Helper()
	s := d.screen()
	for _, w := range unwanted {
		if strings.Contains(s, w) {
			d.t.Fatalf("screen shows %q:\n%s", w, s)
		}
	}
}

// logShows opens the message log, checks it shows every want, and closes it.
func (d *driver) logShows(want ...string) {
	d.t.Helper()
	d.key("!")
	d.contains(append([]string{"messages, newest first"}, want...)...)
	d.key("esc")
}
