package ui

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// End-to-end flows: the whole Bubble Tea program runs (renderer included)
// against the fake tenant through the real HTTP client.

// recorder keeps the last frame the program rendered. The renderer writes
// only changed cells to the terminal, so text on screen is not contiguous in
// the output stream; tests wait on whole frames instead.
type recorder struct {
	*Model
	mu      sync.Mutex
	last    string
	pending []byte
}

func (r *recorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := r.Model.Update(msg)
	return r, cmd
}

func (r *recorder) View() tea.View {
	v := r.Model.View()
	r.mu.Lock()
	r.last = v.Content
	r.mu.Unlock()
	return v
}

// Read hands teatest.WaitFor the latest frame, separated from earlier reads
// by a NUL so the condition can look at the last one only.
func (r *recorder) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) == 0 && r.last != "" {
		r.pending = []byte("\x00" + ansi.Strip(r.last))
		r.last = ""
	}
	if len(r.pending) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

type program struct {
	rec   *recorder
	tm    *teatest.TestModel
	clock *stepClock
}

// stepClock is the dialogs' clock in program tests: it moves only when the
// test says (afterGrace), so a slow machine cannot make keys typed at once
// fall outside the grace period, or a wait fall short of it.
type stepClock struct{ ns atomic.Int64 }

func (c *stepClock) now() time.Time { return time.Unix(0, c.ns.Load()) }

func startProgram(t *testing.T, m *Model, w, h int) *program {
	t.Helper()
	clk := &stepClock{}
	clk.ns.Store(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC).UnixNano())
	m.clock = clk.now
	rec := &recorder{Model: m}
	return &program{rec: rec, clock: clk, tm: teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(w, h))}
}

// waitText waits until a frame shows every want (ANSI stripped), and checks
// that frame fits the terminal.
func waitText(t *testing.T, p *program, want ...string) {
	t.Helper()
	teatest.WaitFor(t, p.rec, func(b []byte) bool {
		frames := bytes.Split(b, []byte{0})
		s := string(frames[len(frames)-1])
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(time.Minute), teatest.WithCheckInterval(5*time.Millisecond))
}

func press(p *program, keys ...string) {
	for _, k := range keys {
		p.tm.Send(keyMsg(k))
	}
}

// quit ends the program and returns the final model.
func quit(t *testing.T, p *program) *Model {
	t.Helper()
	press(p, "ctrl+c")
	return p.tm.FinalModel(t, teatest.WithFinalTimeout(time.Minute)).(*recorder).Model
}

// afterGrace lets a dialog's key grace period pass, as a person would wait
// it out: the dialog is on screen (the caller waited for it), so it opened
// before this moment.
func afterGrace(p *program) { p.clock.ns.Add(int64(defaultGrace + time.Millisecond)) }

func (tn *testTenant) program(t *testing.T, w, h int) *program {
	m := New(Options{Snapshot: tn.snap, Service: tn.svc,
		Tenant: "acme.onetrust.com", Mode: "online", Now: tn.now})
	return startProgram(t, m, w, h)
}

func TestProgramFilterOpenAndGrant(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	ui := pick(t, tn.snap, func(u *tenant.User) bool { return u.Email != "" && len(u.Groups) > 0 })
	usr := tn.snap.Users[ui]
	// A cell the user does not hold.
	ri, oj, gid := -1, -1, ""
	for r := range tn.snap.Roles {
		for o := range tn.snap.Orgs {
			if g, ok := tn.snap.Cell(r, o); ok && !tn.snap.IsMember(ui, g) && ri < 0 {
				ri, oj, gid = r, o, tn.snap.Groups[g].ID
			}
		}
	}
	tm := tn.program(t, 100, 30)
	waitText(t, tm, "300 users")
	press(tm, "/")
	tm.tm.Type(usr.Email)
	waitText(t, tm, "1 of 300 users")
	press(tm, "enter", "enter")
	waitText(t, tm, "Roles × organizations")
	press(tm, "home")
	for range ri {
		press(tm, "down")
	}
	for range oj {
		press(tm, "right")
	}
	press(tm, "space")
	waitText(t, tm, "Grant access", "Yes, grant")
	afterGrace(tm)
	press(tm, "y")
	waitText(t, tm, "granted")
	if !tn.srv.IsMember(usr.ID, gid) {
		t.Fatal("server: the grant did not happen")
	}
	final := quit(t, tm)
	g, _ := final.snap.GroupIndex(gid)
	u, _ := final.snap.UserIndex(usr.ID)
	if !final.snap.IsMember(u, g) {
		t.Fatal("the final model's snapshot lacks the grant")
	}
}

func TestProgramDeprovisionStrip(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	ui := pick(t, tn.snap, func(u *tenant.User) bool { return u.Active && u.Email != "" && len(u.Groups) >= 2 })
	usr := tn.snap.Users[ui]
	tm := tn.program(t, 100, 30)
	waitText(t, tm, "300 users")
	press(tm, "/")
	tm.tm.Type(usr.Email)
	waitText(t, tm, "1 of 300 users")
	press(tm, "enter", "D")
	waitText(t, tm, "Deprovision", "Yes, deprovision")
	afterGrace(tm)
	press(tm, "y")
	waitText(t, tm, "[ Close ]")
	su, ok := tn.srv.User(usr.ID)
	if !ok || su.Active || len(su.Groups) != 0 {
		t.Fatalf("server after deprovision: present=%v active=%v groups=%d", ok, su.Active, len(su.Groups))
	}
	quit(t, tm)
}

func TestProgramMatrixMembersRevoke(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	tm := tn.program(t, 120, 30)
	waitText(t, tm, "300 users")
	press(tm, "2")
	waitText(t, tm, "Roles × Organizations")
	press(tm, "enter")
	waitText(t, tm, "filter members")
	press(tm, "x")
	waitText(t, tm, "Revoke access")
	afterGrace(tm)
	press(tm, "y")
	waitText(t, tm, "revoked")
	final := quit(t, tm)
	ms := final.roots[tabMatrix].(*matrixScreen)
	g := ms.cursorGroup()
	gid := final.snap.Groups[g].ID
	// The member revoked was the first of the group as synced.
	u0 := tn.snap.Groups[g].Members // after the revoke
	if len(u0) != len(final.snap.Groups[g].Members) {
		t.Fatal("snapshots disagree")
	}
	srvGroup, _ := tn.srv.Group(gid)
	if len(srvGroup.Members) != len(final.snap.Groups[g].Members) {
		t.Fatalf("server has %d members, the UI %d", len(srvGroup.Members), len(final.snap.Groups[g].Members))
	}
}

func TestProgramOfflineAndNoSnapshot(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	m := New(Options{Snapshot: tn.snap, Service: tn.svc.Offline(), Tenant: "acme.onetrust.com", Mode: "offline",
		OfflineReason: "--offline is set", Now: tn.now})
	tm := startProgram(t, m, 80, 24)
	waitText(t, tm, "OFFLINE", "read-only", "snapshot 4 min ago")
	before := tn.srv.Requests()
	press(tm, "D")
	waitText(t, tm, "deprovision needs a connection: --offline is set")
	quit(t, tm)
	if tn.srv.Requests() != before {
		t.Fatal("offline mode talked to the server")
	}

	empty := New(Options{Mode: "offline", OfflineReason: "no API token", Now: time.Now})
	tm = startProgram(t, empty, 80, 24)
	waitText(t, tm, "No snapshot", "otaccess sync", "otaccess demo")
	quit(t, tm)
}

// hostile matches what the hostile name below carries, in the model's frames:
// its OSC (title) and its CSI (color). The frames are the model's own View,
// checked before any renderer touches them.
var hostile = regexp.MustCompile(`\x1b\]0;pwned|\x1b\[31mHacker|pwned\x07`)

// leakedToTerminal are the traces of the hostile name in the bytes the
// program writes. The renderer parses every frame into cells, so a raw
// sequence in a name does not reach the terminal verbatim: its ESC and BEL
// are dropped and its text ("]0;pwned", "[31mHacker") and the bidi override
// are written as cells. None of these can come from our own output, unlike
// \x1b[31m (the Error style under a 16-colour profile) or a repeated
// \x1b[H\x1b[2J (the renderer writes one per erase: alt screen, each resize;
// two in a row when a flush falls between them, which load decides).
// textsafe.Line removes a sequence whole, so "pwned" never reaches the
// screen at all when the name is sanitized.
var leakedToTerminal = []string{"pwned", "[31mHacker", "\u202e"}

func TestProgramNeutralizesEscapeSequences(t *testing.T) {
	evil := userNamed("Eve Hacker", "eve@evil.example")
	evil.DisplayName = "Eve \x1b]0;pwned\x07\x1b[31mHacker\x1b[0m\u202e"
	evil.Title = "\x1b[2J\x1b[H"
	tn := newTenant(t, scimtest.Config{Users: 30}, func(s *scimtest.TestServer) { s.AddUser(evil) })

	// Every frame the model renders, on every screen that shows the user.
	d := tn.model(t, 100, 30)
	d.key("/")
	d.typeText("eve@evil")
	frames := []string{d.m.View().Content}
	d.key("enter", "enter")
	frames = append(frames, d.m.View().Content)
	d.key("D")
	frames = append(frames, d.m.View().Content)
	for _, f := range frames {
		if hostile.MatchString(f) || strings.Contains(f, "\x1b]") || strings.Contains(f, "\x1b[2J") || strings.Contains(f, "\u202e") {
			t.Fatalf("a server escape sequence reached the screen: %q", f)
		}
	}
	d.contains("Eve Hacker")

	// And the bytes the program writes to the terminal.
	tm := tn.program(t, 100, 30)
	waitText(t, tm, "31 users")
	press(tm, "/")
	tm.tm.Type("eve@evil")
	waitText(t, tm, "1 of 31 users")
	press(tm, "enter", "enter")
	waitText(t, tm, "Roles × organizations")
	quit(t, tm)
	out, _ := readAll(t, tm)
	for _, leak := range leakedToTerminal {
		if i := bytes.Index(out, []byte(leak)); i >= 0 {
			t.Fatalf("the hostile name reached the terminal unsanitized (%q): ...%q...",
				leak, out[max(0, i-80):min(len(out), i+80)])
		}
	}
	// The sanitized name did reach the terminal (its bidi override became
	// U+FFFD, which nothing else we draw contains; the first frame showing it
	// must write that cell), so the checks above looked at a real rendering.
	if !bytes.Contains(out, []byte("\uFFFD")) {
		t.Fatalf("the terminal never showed the sanitized name: %q", out)
	}
}

func readAll(t *testing.T, p *program) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(p.tm.FinalOutput(t))
	return b.Bytes(), err
}

func TestProgramResize(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	tm := tn.program(t, 80, 24)
	waitText(t, tm, "300 users")
	tm.tm.Send(tea.WindowSizeMsg{Width: 200, Height: 50})
	waitText(t, tm, "Users │ Matrix │ Groups")
	tm.tm.Send(tea.WindowSizeMsg{Width: 30, Height: 8})
	waitText(t, tm, "terminal too small")
	tm.tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	waitText(t, tm, "enter open")
	final := quit(t, tm)
	checkFrame(t, final.View().Content, 80, 24)
}
