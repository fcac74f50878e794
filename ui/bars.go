package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/tenant"
)

// The bars around the screens: the title bar (tenant, mode, snapshot age,
// views), the key-hint line, and the flash line (work in progress, or the
// last message, which expires unless it is an error).

type flashKind int

const (
	flashInfo flashKind = iota
	flashOK
	flashErr
)

type flash struct {
	kind flashKind
	text string
	id   int
	// rate, when set, is a used-up request limit: the line counts down to
	// when it lifts instead of showing text.
	rate *access.RateLimitError
}

// rateTickMsg moves a rate limit's countdown on.
type rateTickMsg struct{ id int }

const flashTTL = 5 * time.Second

// setRateFlash shows a used-up request limit as a countdown to when it
// lifts, ticking every second.
func (a *Model) setRateFlash(rl *access.RateLimitError) tea.Cmd {
	a.flashSeq++
	a.flash = flash{kind: flashErr, rate: rl, id: a.flashSeq}
	a.logFlash(flashErr, markFail+" "+safe(rl.Message(a.clock())))
	return a.after(time.Second, rateTickMsg{id: a.flashSeq})
}

func (a *Model) rateTick(msg rateTickMsg) tea.Cmd {
	if msg.id != a.flash.id || a.flash.rate == nil {
		return nil
	}
	if a.clock().Before(a.flash.rate.Until) {
		return a.after(time.Second, msg)
	}
	return a.setFlash(flashInfo, "the request limit has lifted; press "+keyName(a.keys.Sync)+" to sync")
}

// setFlash shows a message; non-errors expire, errors stay until replaced.
func (a *Model) setFlash(kind flashKind, text string) tea.Cmd {
	a.flashSeq++
	a.flash = flash{kind: kind, text: safe(text), id: a.flashSeq}
	a.logFlash(kind, a.flash.text)
	if kind == flashErr {
		return nil
	}
	return a.after(flashTTL, flashExpireMsg{id: a.flashSeq})
}

// staleAfter is the snapshot age from which the title bar shows it in the
// warning color: a day old, the access it shows may have changed.
const staleAfter = 24 * time.Hour

// titleBar: app, tenant, mode, snapshot age on the left; views on the right.
// Parts are dropped or shortened, least important first, to fit.
func (a *Model) titleBar(w int) string {
	if a.compare != nil {
		return a.compareTitle(w)
	}
	st := &a.st
	var modeText string
	switch mode := a.mode(); {
	case a.opts.AsOf && a.snap != nil:
		modeText = st.Offline.Render(glyphOffline + " AS OF " + a.snap.Info.FinishedAt.Local().Format("2006-01-02 15:04") + " — read-only")
	case mode == "offline":
		modeText = st.Offline.Render(glyphOffline + " OFFLINE — read-only")
	case mode == "demo":
		modeText = st.Demo.Render(glyphDemo + " demo")
	case a.unreachable:
		modeText = st.Offline.Render(glyphOffline + " unreachable")
	default:
		modeText = st.Online.Render(glyphOnline + " online")
	}
	if note := a.cred.TitleNote(); note != "" {
		// A child org's credential: the snapshot is of its subtree only.
		modeText += "  " + st.Offline.Render(safe(note))
	}
	age, date := "no snapshot", ""
	ageStyle := st.Age
	if a.snap != nil {
		fin := a.snap.Info.FinishedAt
		old := a.opts.Now().Sub(fin)
		age = "snapshot " + tenant.Ago(old)
		if old > staleAfter {
			ageStyle = st.AgeOld // bold too: it shows without color
		}
		date = " (" + fin.Local().Format("2006-01-02 15:04") + ")"
	}
	tenant := safe(a.opts.Tenant)
	tabs := ""
	tabsShort := ""
	if a.snap != nil {
		parts := make([]string, tabCount)
		for i, n := range tabNames {
			if i == a.tab {
				parts[i] = st.TabOn.Render(n)
				tabsShort = st.TabOn.Render(n)
			} else {
				parts[i] = st.TabOff.Render(n)
			}
		}
		tabs = strings.Join(parts, st.Muted.Render(" │ "))
	}
	if n := len(a.stack); n > 1 {
		// Deeper than a tab: the breadcrumb says where esc leads back to.
		crumbs := make([]string, n)
		for i, sc := range a.stack {
			crumbs[i] = ansi.Truncate(sc.title(a), 24, ellipsis)
		}
		tabs = st.Muted.Render(strings.Join(crumbs[:n-1], " › ")+" › ") + st.TabOn.Render(crumbs[n-1])
		tabsShort = st.TabOn.Render(crumbs[n-1])
	}
	app := st.App.Render("otaccess")
	compose := func(tenant, date, tabs string) (string, bool) {
		left := " " + app
		if tenant != "" {
			left += "  " + st.Tenant.Render(tenant)
		}
		left += "  " + modeText + "  " + ageStyle.Render(age+date)
		lw, rw := ansi.StringWidth(left), ansi.StringWidth(tabs)
		gap := w - lw - rw - 1
		if gap < 2 && tabs != "" || gap < 0 {
			return left, false
		}
		return left + strings.Repeat(" ", max(0, gap)) + tabs, true
	}
	for _, try := range []struct{ date, tabs string }{{date, tabs}, {"", tabs}, {"", tabsShort}} {
		if s, ok := compose(tenant, try.date, try.tabs); ok {
			return s
		}
	}
	// Shorten the tenant, then drop it.
	fixed, _ := compose("", "", tabsShort)
	room := w - ansi.StringWidth(fixed) - 4
	if room >= 8 && tenant != "" {
		if s, ok := compose(fit(tenant, room), "", tabsShort); ok {
			return s
		}
	}
	if s, ok := compose("", "", tabsShort); ok {
		return s
	}
	s, _ := compose("", "", "")
	return clip(s, w)
}

// hintLine shows the top screen's info and its key hints, which screens
// list most important first: as many as fit are shown, and on a screen
// (not in a dialog or a text input, where ? is no key of ours) the line
// ends in "? more" when some were left out, or "? help" when none were.
// Write keys are marked when offline.
func (a *Model) hintLine(w int) string {
	info := ""
	var binds []Binding
	screenKeys := false
	switch {
	case len(a.dialogs) > 0:
		d, _ := a.topDialog()
		binds = []Binding{a.keys.Dialog.Yes, a.keys.Dialog.No, a.keys.Dialog.Switch, a.keys.Dialog.Choose}
		if h, ok := d.(interface{ hints(*Model) []Binding }); ok {
			binds = h.hints(a)
		}
	default:
		if !a.flashIdle() {
			info = a.top().info(a) // else the flash line shows it, whole
		}
		binds = a.top().hints(a)
		screenKeys = !a.top().typing()
	}
	if screenKeys {
		binds = slices.DeleteFunc(slices.Clone(binds), func(b Binding) bool { return b.Help() == a.keys.Help.Help() })
	}
	binds = a.markDisabled(binds)
	hints := make([]string, len(binds))
	for i, b := range binds {
		hints[i] = a.st.Bold.Render(b.Help().Key) + " " + a.st.ButtonOff.Render(b.Help().Desc)
	}
	const sep = "  "
	moreText := func(desc string) string {
		return a.st.Bold.Render(keyName(a.keys.Help)) + " " + a.st.ButtonOff.Render(desc)
	}
	more := ""
	if screenKeys {
		more = moreText("more")
	}
	if m := a.marksInfo(); m != "" && len(a.dialogs) == 0 {
		hints = append([]string{a.st.Pending.Render(m)}, hints...)
	}
	// The info names what the cursor is on in full where it can (labels
	// elsewhere are truncated), but the first three keys come first.
	left := ""
	if info != "" {
		main := ansi.StringWidth(more)
		for _, h := range hints[:min(3, len(hints))] {
			main += ansi.StringWidth(h) + len(sep)
		}
		room := max(10, w-4-main)
		left = " " + a.st.HintInfo.Render(fit(info, min(ansi.StringWidth(info), room))) + "  "
	}
	room := w - ansi.StringWidth(left) - 1
	var shown []string
	used := 0
	for i, h := range hints {
		hw := ansi.StringWidth(h)
		if i > 0 {
			hw += len(sep)
		}
		reserve := 0
		if i < len(hints)-1 && more != "" {
			reserve = len(sep) + ansi.StringWidth(more)
		}
		if used+hw+reserve > room {
			break
		}
		shown = append(shown, h)
		used += hw
	}
	if screenKeys {
		if len(shown) == len(hints) {
			more = moreText("help")
		}
		if used+len(sep)+ansi.StringWidth(more) <= room || len(shown) < len(hints) {
			shown = append(shown, more)
		}
	}
	return clip(left+" "+strings.Join(shown, a.st.Muted.Render(sep)), w)
}

// flashIdle reports a flash line with nothing to say: no work in
// progress, no message.
func (a *Model) flashIdle() bool {
	return !a.syncing && len(a.pending) == 0 && a.flash.text == "" && a.flash.rate == nil
}

// flashLine shows work in progress (sync, writes), the last message, or
// else what the cursor is on.
func (a *Model) flashLine(w int) string {
	st := &a.st
	if a.syncing {
		p := a.syncProg
		label := fmt.Sprintf(" %s syncing  %s ", a.spin.View(), p.Status(time.Now()))
		if p.Saving {
			label = fmt.Sprintf(" %s syncing  saving the snapshot ", a.spin.View())
		}
		barW := w - ansi.StringWidth(label) - 6
		if barW >= 10 {
			a.syncBar.SetWidth(min(barW, 40))
			return label + a.syncBar.ViewAs(p.Fraction()) + fmt.Sprintf(" %3.0f%%", 100*p.Fraction())
		}
		return clip(label, w)
	}
	if n := len(a.pending); n > 0 {
		var text string
		for _, ch := range a.pending {
			text = ch.Describe()
			break
		}
		if n > 1 {
			text = fmt.Sprintf("%d changes running", n)
		}
		return " " + st.Pending.Render(a.spin.View()+" "+safe(text)+"…")
	}
	if a.flashIdle() && len(a.dialogs) == 0 {
		// Nothing to report: the line names what the cursor is on, in
		// full (the hint line would cut it at 80 columns).
		if info := a.top().info(a); info != "" {
			return " " + st.HintInfo.Render(ansi.Truncate(info, w-1, ellipsis))
		}
	}
	f := a.flash
	if f.rate != nil {
		f.text = markFail + " " + safe(f.rate.Message(a.clock()))
	}
	style := st.FlashInfo
	switch f.kind {
	case flashErr:
		style = st.FlashErr
	case flashOK:
		style = st.FlashOK
	}
	if ansi.StringWidth(f.text) <= w-1 {
		return " " + style.Render(f.text)
	}
	// Cut: say where the whole message is.
	more := " (" + keyName(a.keys.Messages) + " details)"
	room := w - 1 - ansi.StringWidth(more)
	if room < 10 {
		return " " + style.Render(clip(f.text, w-1))
	}
	return " " + style.Render(ansi.Truncate(f.text, room, ellipsis)) + st.Muted.Render(more)
}
