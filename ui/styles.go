package ui

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"charm.land/lipgloss/v2"

	"github.com/otaccess/otaccess/config"
)

// theme names colors by meaning. ANSI palette indexes are used on purpose:
// they follow the user's terminal theme (light or dark), and a NO_COLOR
// terminal drops them while keeping bold/reverse, which is why every state
// that matters is also carried by an attribute or a glyph.
type theme struct {
	accent, ok, warn, bad, muted, subtle string
}

var defaultTheme = theme{accent: "6", ok: "2", warn: "3", bad: "1", muted: "8", subtle: "7"}

// Styles is every style the UI uses, built once from the theme.
type Styles struct {
	App, Tenant, Online, Offline, Demo, Age lipgloss.Style
	// AgeOld is the age of a snapshot older than staleAfter.
	AgeOld        lipgloss.Style
	TabOn, TabOff lipgloss.Style

	Header, HeaderSorted lipgloss.Style
	Cursor               lipgloss.Style // the selected row: reverse + bold, visible without color
	Muted, Bold          lipgloss.Style
	Active, Inactive     lipgloss.Style
	Member, Empty        lipgloss.Style
	CellCursor           lipgloss.Style
	Pending              lipgloss.Style

	FlashOK, FlashErr, FlashInfo lipgloss.Style
	HintInfo                     lipgloss.Style
	Label                        lipgloss.Style
	Error                        lipgloss.Style

	DialogBorder, DialogTitle lipgloss.Style
	ButtonOn, ButtonOff       lipgloss.Style
	ButtonDisabled            lipgloss.Style
}

// Glyphs shared by screens.
const (
	markCursor   = "▌"
	markMember   = "●"
	markVia      = "○" // held only through a user group
	markBoth     = "◉" // held directly and through a user group
	markEmpty    = "·"
	markOK       = "✓"
	markFail     = "✗"
	markAsc      = "▲"
	markDesc     = "▼"
	markMore     = "▸"
	markLess     = "◂"
	glyphOnline  = "●"
	glyphOffline = "○"
	glyphDemo    = "◆"
)

// ThemeColor is a color [theme] may set: its name in the config file,
// what it colors, and its default.
type ThemeColor struct {
	Name, Use, Default string
	field              func(*theme) *string
}

// ThemeColors are the [theme] names, stable as the config file's format.
func ThemeColors() []ThemeColor {
	cs := []ThemeColor{
		{Name: "accent", Use: "the app name, info messages, dialog borders", field: func(t *theme) *string { return &t.accent }},
		{Name: "ok", Use: "online, active users, held cells, success messages", field: func(t *theme) *string { return &t.ok }},
		{Name: "warning", Use: "offline, inactive users, pending writes, an old snapshot", field: func(t *theme) *string { return &t.warn }},
		{Name: "error", Use: "failures and errors", field: func(t *theme) *string { return &t.bad }},
		{Name: "muted", Use: "labels, empty cells, the snapshot age, other tabs", field: func(t *theme) *string { return &t.muted }},
		{Name: "subtle", Use: "column headers", field: func(t *theme) *string { return &t.subtle }},
	}
	d := defaultTheme
	for i := range cs {
		cs[i].Default = *cs[i].field(&d)
	}
	return cs
}

// ColorSetting is one line of config.toml's [theme]: a color name, its
// value as written, and the line (0: unknown) for errors.
type ColorSetting struct {
	Name, Value string
	Line        int
}

var hexColor = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// ThemedStyles are the styles of the default theme with the settings'
// colors: "#rrggbb", "#rgb" or an ANSI color number 0-255. A terminal
// with fewer colors gets the nearest it has, and NO_COLOR drops them all:
// Bubble Tea's renderer downsamples whatever the styles say.
func ThemedStyles(settings []ColorSetting) (Styles, error) {
	t := defaultTheme
	byName := map[string]ThemeColor{}
	var names []string
	for _, c := range ThemeColors() {
		byName[c.Name] = c
		names = append(names, c.Name)
	}
	var errs []error
	for _, s := range settings {
		c, ok := byName[s.Name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s[theme] %s: no such color (known: %v)", config.AtLine(s.Line), s.Name, names))
			continue
		}
		if n, err := strconv.Atoi(s.Value); err == nil && n >= 0 && n <= 255 {
			*c.field(&t) = strconv.Itoa(n)
			continue
		}
		if !hexColor.MatchString(s.Value) {
			errs = append(errs, fmt.Errorf("%s[theme] %s: %q is no color: use \"#rrggbb\", \"#rgb\" or an ANSI color number 0-255", config.AtLine(s.Line), s.Name, s.Value))
			continue
		}
		*c.field(&t) = s.Value
	}
	if len(errs) > 0 {
		return Styles{}, errors.Join(errs...)
	}
	return newStyles(t), nil
}

// DefaultStyles are the styles of the default theme.
func DefaultStyles() Styles { return newStyles(defaultTheme) }

func newStyles(t theme) Styles {
	c := lipgloss.Color
	n := lipgloss.NewStyle
	return Styles{
		App:     n().Bold(true).Foreground(c(t.accent)),
		Tenant:  n().Bold(true),
		Online:  n().Foreground(c(t.ok)),
		Offline: n().Bold(true).Foreground(c(t.warn)),
		Demo:    n().Foreground(c(t.accent)),
		Age:     n().Foreground(c(t.muted)),
		AgeOld:  n().Bold(true).Foreground(c(t.warn)),
		TabOn:   n().Bold(true).Underline(true),
		TabOff:  n().Foreground(c(t.muted)),

		Header:       n().Bold(true).Foreground(c(t.subtle)),
		HeaderSorted: n().Bold(true).Underline(true),
		Cursor:       n().Reverse(true).Bold(true),
		Muted:        n().Foreground(c(t.muted)),
		Bold:         n().Bold(true),
		Active:       n().Foreground(c(t.ok)),
		Inactive:     n().Foreground(c(t.warn)),
		Member:       n().Bold(true).Foreground(c(t.ok)),
		Empty:        n().Foreground(c(t.muted)),
		CellCursor:   n().Reverse(true).Bold(true),
		Pending:      n().Foreground(c(t.warn)),

		FlashOK:   n().Foreground(c(t.ok)),
		FlashErr:  n().Bold(true).Foreground(c(t.bad)),
		FlashInfo: n().Foreground(c(t.accent)),
		HintInfo:  n().Bold(true),
		Label:     n().Foreground(c(t.muted)),
		Error:     n().Foreground(c(t.bad)),

		DialogBorder:   n().Foreground(c(t.accent)),
		DialogTitle:    n().Bold(true),
		ButtonOn:       n().Reverse(true).Bold(true),
		ButtonOff:      n(),
		ButtonDisabled: n().Foreground(c(t.muted)).Strikethrough(true),
	}
}
