package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/tenant"
)

// Options configure the UI.
type Options struct {
	// Snapshot is the tenant as last synced; nil when there is none yet.
	Snapshot *tenant.Snapshot
	// Service reads the cache and performs writes and syncs. Without it
	// the UI shows Snapshot only; !Online() makes it read-only, with
	// OfflineReason saying why.
	Service       *access.Service
	OfflineReason string
	// Tenant labels the title bar, e.g. "acme.onetrust.com".
	Tenant string
	// Mode is "online", "offline" or "demo" (derived from Service when empty).
	Mode        string
	Now         func() time.Time
	SyncOptions access.SyncOptions
	// AsOf: Snapshot is an older one the cache kept (otaccess --as-of),
	// shown read-only and labelled so in the title bar with its date.
	AsOf bool
	// Keys and Styles replace DefaultKeyMap() and DefaultStyles() (a
	// config file's rebinding and theme); nil keeps the defaults.
	Keys   *KeyMap
	Styles *Styles
	// Compare, when set, makes the UI the comparison of two snapshots
	// (otaccess compare --tui), read-only; Snapshot and Service are unset.
	Compare *Comparison
}

// screen is one page of the UI. Screens live on a stack; the top one gets
// the keys that the app does not handle itself.
type screen interface {
	// title names the screen in the title bar's breadcrumb.
	title(a *Model) string
	// update handles a key or paste; handled reports whether it consumed it.
	update(a *Model, msg tea.Msg) (cmd tea.Cmd, handled bool)
	// view renders at most h lines of width w.
	view(a *Model, w, h int) []string
	// hints are the bindings shown in the key-hint line.
	hints(a *Model) []Binding
	// info is shown in the hint line before the keys ("" for none).
	info(a *Model) string
	// refresh re-reads the snapshot after it changed; false means the
	// screen's subject is gone and the screen should close.
	refresh(a *Model) bool
	// typing reports a focused text input, which gets every key.
	typing() bool
}

// Root views, switched with 1/2/3 and tab.
const (
	tabUsers = iota
	tabMatrix
	tabGroups
	tabCount
)

var tabNames = [tabCount]string{"Users", "Matrix", "Groups"}

// Model is the whole UI, a tea.Model. It is used through a pointer and only
// ever mutated on the Bubble Tea update goroutine, which is also the only
// place the snapshot is mutated.
type Model struct {
	opts  Options
	ctx   context.Context
	snap  *tenant.Snapshot
	index *tenant.Index
	svc   *access.Service

	keys KeyMap
	st   Styles

	width, height int

	// unreachable: the last request to the tenant could not be sent (the
	// connection was refused, the TLS handshake failed). The title bar says
	// so until a request succeeds.
	unreachable bool

	roots   [tabCount]screen
	tab     int
	stack   []screen
	dialogs []openDialog
	// compare is the comparison the UI shows instead of a tenant
	// (compare.go), else nil.
	compare *compareScreen

	flash    flash
	flashSeq int
	msgLog   []logEntry   // every flash of the session (messages.go)
	copying  *pendingCopy // a copy awaiting the terminal's read-back (clipboard.go)

	marked   markedUsers              // users marked with v (marks.go)
	pending  map[string]access.Change // user id + group id -> change in flight
	deprov   int                      // deprovisionings running
	syncing  bool
	syncProg access.SyncProgress
	cred     access.Credential // read at start (credential.go)
	syncBar  progress.Model

	spin     spinner.Model
	spinning bool

	// grace and clock time the dialogs' key grace period; noTimers drops
	// timer commands (tests drive messages themselves).
	grace    time.Duration
	clock    func() time.Time
	noTimers bool
}

// New builds the UI model.
func New(opts Options) *Model {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &Model{
		opts:    opts,
		ctx:     context.Background(),
		svc:     opts.Service,
		keys:    DefaultKeyMap(),
		st:      DefaultStyles(),
		pending: map[string]access.Change{},
		grace:   defaultGrace,
		clock:   time.Now,
	}
	if opts.Keys != nil {
		a.keys = *opts.Keys
	}
	if opts.Styles != nil {
		a.st = *opts.Styles
	}
	a.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	a.syncBar = progress.New(progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'))
	a.setSnapshot(opts.Snapshot)
	// The model holds the snapshot in a.snap alone: a re-sync replaces
	// it, and the first one must not stay reachable from the options.
	a.opts.Snapshot = nil
	if opts.Compare != nil {
		a.compare = newCompareScreen(a, opts.Compare)
		a.stack = []screen{a.compare}
	}
	return a
}

// Run runs the UI until the user quits or ctx is cancelled.
func Run(ctx context.Context, opts Options) error {
	m := New(opts)
	m.ctx = ctx
	_, err := tea.NewProgram(m, tea.WithContext(ctx)).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// setSnapshot installs snap (nil: none yet) and re-resolves every screen.
func (a *Model) setSnapshot(snap *tenant.Snapshot) {
	a.snap = snap
	if snap == nil {
		a.index = nil
		a.stack = []screen{&emptyScreen{}}
		return
	}
	a.index = tenant.NewIndex(snap)
	if a.roots[tabUsers] == nil {
		a.roots = [tabCount]screen{newUsersScreen(a), newMatrixScreen(), newGroupsScreen()}
		a.stack = []screen{a.roots[a.tab]}
	}
	if _, empty := a.stack[0].(*emptyScreen); empty {
		a.stack = []screen{a.roots[a.tab]}
	}
	a.dataChanged()
}

// dataChanged tells every screen the snapshot changed; screens whose
// subject is gone (a deleted user) are closed.
func (a *Model) dataChanged() {
	if a.snap == nil {
		return
	}
	for _, r := range a.roots {
		r.refresh(a)
	}
	keep := a.stack[:1]
	for _, s := range a.stack[1:] {
		if s.refresh(a) {
			keep = append(keep, s)
		}
	}
	a.stack = keep
}

// Init starts the clock that keeps the snapshot age current.
func (a *Model) Init() tea.Cmd {
	// releaseMemory, after the first frame: loading the snapshot peaked at
	// 2.5 times what it keeps, and the collector holds on to what it freed
	// (at 300,000 users the RSS stayed 300 MiB above the live heap).
	return tea.Batch(a.after(30*time.Second, ageTickMsg{}), a.readCredential(), releaseMemory)
}

type ageTickMsg struct{}

type flashExpireMsg struct{ id int }

func (a *Model) after(d time.Duration, msg tea.Msg) tea.Cmd {
	if a.noTimers {
		return nil
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

func (a *Model) top() screen { return a.stack[len(a.stack)-1] }

func (a *Model) push(s screen) { a.stack = append(a.stack, s) }

func (a *Model) pop() {
	if len(a.stack) > 1 {
		a.stack = a.stack[:len(a.stack)-1]
	}
}

func (a *Model) openDialog(d dialog) { a.dialogs = append(a.dialogs, openDialog{d, a.clock()}) }

// topDialog is the dialog that gets the keys, if any; it ignores them
// during its grace period (see defaultGrace) unless it is a form.
func (a *Model) topDialog() (d dialog, ready bool) {
	n := len(a.dialogs)
	if n == 0 {
		return nil, false
	}
	top := a.dialogs[n-1]
	_, form := top.dialog.(interface{ form() })
	return top.dialog, form || a.clock().Sub(top.opened) >= a.grace
}

// closeDialog removes d from the stack.
func (a *Model) closeDialog(d dialog) {
	a.dialogs = slices.DeleteFunc(a.dialogs, func(o openDialog) bool { return o.dialog == d })
}

// switchTab shows a root view, dropping screens opened on top of the old one.
func (a *Model) switchTab(t int) {
	if a.snap == nil {
		return
	}
	a.tab = (t + tabCount) % tabCount
	a.stack = []screen{a.roots[a.tab]}
}

// bodyHeight is the height screens get: all but the title, hint and flash
// lines.
func (a *Model) bodyHeight() int { return max(0, a.height-3) }

// readOnly reports whether writes are impossible.
func (a *Model) readOnly() bool { return a.svc == nil || !a.svc.Online() }

func (a *Model) offlineReason() string {
	if r := a.opts.OfflineReason; r != "" {
		return r
	}
	return "no connection to the tenant (set OTACCESS_TOKEN, or run without --offline)"
}

// requireOnline flashes why verb is impossible offline.
func (a *Model) requireOnline(verb string) bool {
	if a.readOnly() {
		a.setFlash(flashErr, markFail+" "+verb+" needs a connection: "+a.offlineReason())
		return false
	}
	return true
}

func (a *Model) mode() string {
	m := a.opts.Mode
	if m == "" || a.readOnly() {
		if a.readOnly() {
			return "offline"
		}
		return "online"
	}
	return m
}

// Update implements tea.Model.
func (a *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		return a, nil
	case tea.KeyPressMsg:
		if matches(msg, a.keys.DoubleEsc) {
			// Two quick escapes arrive as one alt+esc (ESC ESC on the
			// wire); the user meant back, back.
			esc := tea.KeyPressMsg{Code: tea.KeyEscape}
			return a, tea.Batch(a.handleKey(esc), a.handleKey(esc))
		}
		return a, a.handleKey(msg)
	case tea.PasteMsg:
		if d, ready := a.topDialog(); d != nil {
			if !ready {
				return a, nil
			}
			cmd, _ := d.update(a, msg)
			return a, cmd
		}
		if a.top().typing() {
			cmd, _ := a.top().update(a, msg)
			return a, cmd
		}
		return a, nil
	case tea.MouseMsg:
		return a, a.mouse(msg)
	case tea.ClipboardMsg:
		return a, a.clipboardRead(msg)
	case result: // background work (stream.go)
		return a, msg.apply(a)
	case flashExpireMsg:
		if msg.id == a.flash.id && a.flash.kind != flashErr {
			a.flash = flash{}
		}
		return a, nil
	case rateTickMsg:
		return a, a.rateTick(msg)
	case ageTickMsg:
		return a, a.after(30*time.Second, ageTickMsg{})
	case MemoryReleased:
		// The first frame is out (or a re-sync's result is shown): build
		// the filter index now rather than on the first keystroke, which
		// would wait 20-40 ms at 100k users for it.
		if a.index != nil {
			a.index.Prepare()
		}
		return a, nil
	case spinner.TickMsg:
		if !a.busy() {
			a.spinning = false
			return a, nil
		}
		var cmd tea.Cmd
		a.spin, cmd = a.spin.Update(msg)
		if a.noTimers {
			cmd = nil
		}
		return a, cmd
	}
	// A form's own messages: huh moves between its fields with commands.
	if d, _ := a.topDialog(); d != nil {
		if _, isForm := d.(interface{ form() }); isForm {
			cmd, closeIt := d.update(a, msg)
			if closeIt {
				a.closeDialog(d)
			}
			return a, cmd
		}
	}
	return a, nil
}

func (a *Model) busy() bool { return len(a.pending) > 0 || a.syncing || a.deprov > 0 }

// startSpinner starts the spinner's tick loop unless it runs already.
func (a *Model) startSpinner() tea.Cmd {
	if a.spinning || a.noTimers {
		return nil
	}
	a.spinning = true
	return a.spin.Tick
}

// everywhereKey handles the keys that mean the same on every screen and in
// both apps (the tenant's and the comparison's): quit, help, messages.
func (a *Model) everywhereKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch k := a.keys; {
	case matches(msg, k.Quit):
		return tea.Quit, true
	case matches(msg, k.Help):
		a.push(newHelpScreen())
		return nil, true
	case matches(msg, k.Messages):
		a.push(newMessagesScreen())
		return nil, true
	}
	return nil, false
}

func (a *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if matches(msg, a.keys.ForceQuit) {
		return tea.Quit
	}
	if d, ready := a.topDialog(); d != nil {
		if !ready {
			return nil
		}
		cmd, closeIt := d.update(a, msg)
		if closeIt {
			a.closeDialog(d)
		}
		return cmd
	}
	top := a.top()
	if top.typing() {
		cmd, _ := top.update(a, msg)
		return cmd
	}
	if a.compare != nil {
		return a.compareKey(msg) // no tenant: no tabs, syncs or writes
	}
	if cmd, ok := a.everywhereKey(msg); ok {
		return cmd
	}
	k := a.keys
	switch {
	case matches(msg, k.Palette):
		return a.openPalette()
	case matches(msg, k.UsersTab):
		a.switchTab(tabUsers)
		return nil
	case matches(msg, k.MatrixTab, k.Matrix):
		a.switchTab(tabMatrix)
		return nil
	case matches(msg, k.GroupsTab):
		a.switchTab(tabGroups)
		return nil
	case matches(msg, k.NextTab):
		a.switchTab(a.tab + 1)
		return nil
	case matches(msg, k.PrevTab):
		a.switchTab(a.tab - 1)
		return nil
	case matches(msg, k.Sync):
		return a.startSync()
	}
	if cmd, ok := a.markKey(msg); ok { // v, and D + - esc with marks (marks.go)
		return cmd
	}
	cmd, handled := top.update(a, msg)
	if handled {
		return cmd
	}
	if cmd, ok := a.reviewKey(msg); ok { // R reviews, d changes (review.go)
		return cmd
	}
	if matches(msg, k.Orgs) && a.snap != nil { // O (orgs.go)
		if _, on := top.(*orgsScreen); !on { // not a tree over the tree
			a.push(newOrgsScreen(a))
		}
		return nil
	}
	if cmd, ok := a.exportKey(msg); ok { // e (export.go)
		return cmd
	}
	if matches(msg, k.Back) {
		if len(a.stack) > 1 {
			a.pop()
		} else if a.flash.kind == flashErr {
			a.flash = flash{}
		}
	}
	return cmd
}

// View implements tea.Model.
func (a *Model) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion // clicks and the wheel (mouse.go)
	v.WindowTitle = "otaccess"
	if t := a.opts.Tenant; t != "" {
		v.WindowTitle = "otaccess — " + safe(t)
	}
	return v
}

// Minimum usable terminal size.
const minWidth, minHeight = 40, 10

func (a *Model) render() string {
	w, h := a.width, a.height
	if w <= 0 || h <= 0 {
		return ""
	}
	if w < minWidth || h < minHeight {
		msg := []string{"terminal too small", fmt.Sprintf("%dx%d, need %dx%d", w, h, minWidth, minHeight)}
		return block(centerCenter(msg, w, h), w, h)
	}
	bodyH := a.bodyHeight()
	body := a.top().view(a, w, bodyH)
	if len(body) > bodyH {
		body = body[:bodyH]
	}
	if d, _ := a.topDialog(); d != nil {
		full := make([]string, bodyH)
		copy(full, body)
		body = overlay(full, d.view(a, w-2, bodyH), w)
	}
	out := make([]string, 0, h)
	out = append(out, a.titleBar(w))
	out = append(out, body...)
	for len(out) < h-2 {
		out = append(out, "")
	}
	out = append(out, a.hintLine(w), a.flashLine(w))
	return block(out, w, h)
}
