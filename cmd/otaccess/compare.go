package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/config"
	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
	"github.com/otaccess/otaccess/ui"
)

// compareSource is one side as the flags name it: a profile's cache or a
// cache file, and a snapshot in it ("" the current one).
type compareSource struct {
	profile, cache, snapshot string
}

// sourceFlag is --profile, --cache or --snapshot of compare. The order on
// the command line is the meaning: each --profile or --cache starts a
// side, a --snapshot picks the snapshot of the side named just before it.
type sourceFlag struct {
	list *[]compareSource
	kind string
}

func (f sourceFlag) String() string { return "" }
func (f sourceFlag) Type() string   { return "string" }

func (f sourceFlag) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("--%s needs a value", f.kind)
	}
	list := f.list
	switch f.kind {
	case "profile":
		*list = append(*list, compareSource{profile: v})
	case "cache":
		*list = append(*list, compareSource{cache: v})
	default:
		if len(*list) == 0 {
			return errors.New("--snapshot comes before any --profile or --cache: put it after the side it picks, e.g. --profile prod --snapshot 2026-11-01 --profile prod")
		}
		last := &(*list)[len(*list)-1]
		if last.snapshot != "" {
			return fmt.Errorf("a second --snapshot for %s: each side takes one", last.name())
		}
		last.snapshot = v
	}
	return nil
}

// name is what the output calls the side: the profile, or the cache
// file's name without .db.
func (s compareSource) name() string {
	if s.profile != "" {
		return s.profile
	}
	return strings.TrimSuffix(filepath.Base(s.cache), ".db")
}

type compareOptions struct {
	*app
	Sources []compareSource
	Filter  tenant.CompareFilter
	Output  outputFlags
	TUI     bool
}

func newCmdCompare(a *app, runF func(context.Context, *compareOptions) error) *cobra.Command {
	o := &compareOptions{app: a}
	cmd := &cobra.Command{
		Use:   "compare --profile A|--cache FILE [--snapshot ID|DATE] --profile B|--cache FILE [--snapshot ID|DATE]",
		Short: "Compare two tenants, or one at two times: users, roles, orgs and access that differ",
		Long: `Compare two cached snapshots: of two tenants (prod and UAT), or of one
tenant at two times. Name each side with --profile (that profile's cache)
or --cache (a cache file), left then right; a --snapshot right after a side
picks one of the snapshots its cache kept, by id or date (otaccess
snapshots lists them), else the side is its current snapshot. Only the
cache is read: no connection is made.

Users are paired by userName (else email), case-insensitively, and groups
by role and org names: ids differ between tenants. Access is effective
access, held directly or through user groups (the output says which, on
the side that has it); held one way here and the other there is the same
access. --role, --org and --user narrow the output ("who has Site Admin in
prod but not in UAT": --role "Site Admin"). --tui shows the comparison in
the terminal UI, read-only: a section each for users, roles and orgs, and
access, switched with tab or 1-3, / to filter the rows, e to export them.
The exit status is 0 whether or not the sides differ, as for diff; 1 when
they cannot be read.`,
		Example: `  otaccess compare --profile prod --profile uat
  otaccess compare --profile prod --profile uat --role "Site Admin"
  otaccess compare --profile prod --profile uat --tui
  otaccess compare --cache prod.db --cache uat.db --json
  otaccess compare --profile prod --snapshot 2026-11-01 --profile prod`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return compareRun(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	// These shadow the global --profile and --cache: here each names a side.
	f.VarP(sourceFlag{&o.Sources, "profile"}, "profile", "p", "a side: this profile's cache (give two sides, left then right)")
	f.Var(sourceFlag{&o.Sources, "cache"}, "cache", "a side: this cache file")
	f.Var(sourceFlag{&o.Sources, "snapshot"}, "snapshot", "the snapshot of the side named just before: an id or a date, e.g. 2026-11-01 (default the current one)")
	f.StringVar(&o.Filter.Role, "role", "", "only access to this role (its whole name), and the users whose access to it differs")
	f.StringVar(&o.Filter.Org, "org", "", "only access in this organization (its whole name), and the users whose access there differs")
	f.StringVar(&o.Filter.User, "user", "", "only users whose name, userName or email contains this")
	f.BoolVar(&o.TUI, "tui", false, "show the comparison in the terminal UI (read-only)")
	o.Output.add(cmd, true)
	return cmd
}

// compareSide is one side read: what it is called, where its cache is,
// and its snapshot.
type compareSide struct {
	name, path string
	snap       *tenant.Snapshot
}

// compareSides reads both sides the flags name.
func compareSides(ctx context.Context, o *compareOptions) (left, right compareSide, err error) {
	switch n := len(o.Sources); {
	case n < 2:
		got := ""
		if n == 1 {
			got = " (got one: " + o.Sources[0].name() + ")"
		}
		return left, right, fmt.Errorf("compare needs two sides%s: --profile prod --profile uat, --cache a.db --cache b.db, or one cache at two times: --profile prod --snapshot 2026-11-01 --profile prod", got)
	case n > 2:
		return left, right, fmt.Errorf("compare takes two sides, left and right; got %d", n)
	}
	sides := [2]compareSide{}
	for i, src := range o.Sources {
		s, err := o.readSide(ctx, src)
		if err != nil {
			return left, right, err
		}
		sides[i] = s
	}
	left, right = sides[0], sides[1]
	if left.path == right.path && left.snap.Info.ID == right.snap.Info.ID {
		return left, right, fmt.Errorf("both sides are snapshot %d of %s: name another snapshot with --snapshot (otaccess snapshots lists them) or another profile",
			left.snap.Info.ID, textsafe.Line(left.path))
	}
	if left.name == right.name {
		left.name += " #" + strconv.FormatInt(left.snap.Info.ID, 10)
		right.name += " #" + strconv.FormatInt(right.snap.Info.ID, 10)
	}
	return left, right, nil
}

// readSide finds src's cache file and reads its snapshot.
func (o *compareOptions) readSide(ctx context.Context, src compareSource) (compareSide, error) {
	fl := o.flags
	fl.Profile, fl.Cache = src.profile, src.cache
	// The environment's profile and cache name the one cache other
	// commands use: here the flags name each side, and OTACCESS_CACHE
	// would make both sides the same file.
	getenv := func(k string) string {
		if k == config.EnvProfile || k == config.EnvCache {
			return ""
		}
		return o.getenv(k)
	}
	s, err := o.resolveWith(fl, getenv)
	if err != nil {
		return compareSide{}, err
	}
	path := s.Cache
	if path == "" {
		if path, err = o.cachePath(s.CacheName); err != nil {
			return compareSide{}, err
		}
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	opts := append([]access.OpenOption{access.WithRetention(s.History.KeepDays, s.History.KeepMin)}, o.openCacheWith...)
	snap, err := access.LoadSide(ctx, access.CompareSide{Path: path, Snapshot: src.snapshot}, time.Local, opts...)
	if err != nil {
		return compareSide{}, sideError(src, err)
	}
	return compareSide{name: src.name(), path: path, snap: snap}, nil
}

// sideError says which side failed and what to run about it.
func sideError(src compareSource, err error) error {
	which := "--cache " + src.cache
	sync := "sync into it (otaccess --cache " + src.cache + " sync)"
	if src.profile != "" {
		which, sync = "--profile "+src.profile, "run `otaccess --profile "+src.profile+" sync` first"
	}
	switch {
	case errors.Is(err, access.ErrNoCache):
		return fmt.Errorf("%s: %v: %s", which, err, sync)
	case errors.Is(err, access.ErrNoSnapshot):
		return fmt.Errorf("%s: no snapshot in its cache yet: %s", which, sync)
	case src.snapshot != "":
		return fmt.Errorf("%s --snapshot %s: %w", which, src.snapshot, err)
	}
	return fmt.Errorf("%s: %w", which, err)
}

// checkFilter refuses a role or org neither side has, with the closest
// names either side has: a typo would otherwise read as "no differences".
func checkFilter(f tenant.CompareFilter, left, right compareSide) error {
	closest := func(v string, names func(*tenant.Snapshot) []string) string {
		all := append(names(left.snap), names(right.snap)...)
		slices.Sort(all) // both sides mostly share their names: each once
		near := tenant.Closest(v, slices.Compact(all), 3)
		if len(near) == 0 {
			return ""
		}
		return "; closest: " + strings.Join(near, ", ")
	}
	roles := func(s *tenant.Snapshot) []string {
		out := make([]string, len(s.Roles))
		for i, r := range s.Roles {
			out[i] = r.Name
		}
		return out
	}
	orgs := func(s *tenant.Snapshot) []string {
		out := make([]string, len(s.Orgs))
		for i, o := range s.Orgs {
			out[i] = o.Name
		}
		return out
	}
	if f.Role != "" && !tenant.HasRole(left.snap, f.Role) && !tenant.HasRole(right.snap, f.Role) {
		return fmt.Errorf("--role %q: neither %s nor %s has a role of that name%s (otaccess matrix lists them)", f.Role, left.name, right.name, closest(f.Role, roles))
	}
	if f.Org != "" && !tenant.HasOrg(left.snap, f.Org) && !tenant.HasOrg(right.snap, f.Org) {
		return fmt.Errorf("--org %q: neither %s nor %s has an organization of that name%s (otaccess orgs lists them)", f.Org, left.name, right.name, closest(f.Org, orgs))
	}
	return nil
}

func compareRun(ctx context.Context, o *compareOptions) error {
	// Checked before the caches are read: the flags alone decide it.
	switch {
	case o.TUI && (o.Output.json || o.Output.csv):
		return errors.New("--tui shows the comparison on the screen and --json or --csv prints it: choose one")
	case o.TUI && !o.io.InTerminal:
		return errors.New("--tui needs a terminal; without one, print the comparison (the default), or use --json or --csv")
	}
	left, right, err := compareSides(ctx, o)
	if err != nil {
		return err
	}
	if err := checkFilter(o.Filter, left, right); err != nil {
		return err
	}
	all := tenant.Compare(left.snap, right.snap)
	c := all.Filter(o.Filter)
	now := o.now()
	w := o.io.Out
	switch {
	case o.TUI:
		keys, styles, err := o.look()
		if err != nil {
			return err
		}
		side := func(s compareSide) ui.CompareSide {
			return ui.CompareSide{Name: s.name, Cache: s.path, Info: s.snap.Info}
		}
		return o.runUI(ctx, ui.Options{Now: o.now, Keys: keys, Styles: styles,
			Compare: &ui.Comparison{Left: side(left), Right: side(right), Result: c, Filter: o.Filter}})
	case o.Output.json:
		return export.WriteJSON(w, export.NewComparisonJSON(&c, export.NewSide(left.name, left.path, left.snap.Info, now),
			export.NewSide(right.name, right.path, right.snap.Info, now), o.Filter))
	case o.Output.csv:
		return export.ComparisonCSV(w, &c, left.name, right.name)
	}
	return writeComparison(w, &c, left, right, o.Filter, now)
}

// writeComparison prints c as sections, each with its count, then a
// summary line.
func writeComparison(w io.Writer, c *tenant.Comparison, left, right compareSide, f tenant.CompareFilter, now time.Time) error {
	// Each side says whose snapshot it is and how old: two tenants' caches
	// are rarely synced at the same time.
	var sides *table
	for i, s := range []compareSide{left, right} {
		in := s.snap.Info
		cells := []string{[]string{"left", "right"}[i], s.name, in.Source,
			fmt.Sprintf("snapshot %d, synced %s (%s)", in.ID, in.FinishedAt.Local().Format("2006-01-02 15:04"), in.AgeText(now))}
		if sides == nil {
			sides = newTable(w, cells...)
		} else {
			sides.row(cells...)
		}
	}
	if err := sides.flush(); err != nil {
		return err
	}
	if v := tenant.ViewChange(left.snap.Info, right.snap.Info); v != "" {
		fmt.Fprintln(w, v)
	}
	if !f.Zero() {
		var only []string
		for _, p := range [][2]string{{"role", f.Role}, {"org", f.Org}, {"user", f.User}} {
			if p[1] != "" {
				only = append(only, fmt.Sprintf("%s %q", p[0], p[1]))
			}
		}
		fmt.Fprintln(w, "only "+textsafe.Line(strings.Join(only, ", ")))
	}
	if c.Empty() {
		fmt.Fprintf(w, "\nno differences between %s and %s\n", textsafe.Line(left.name), textsafe.Line(right.name))
		return nil
	}
	head := func(title string, n int) { fmt.Fprintf(w, "\n%s (%s)\n", textsafe.Line(title), numfmt.Commas(n)) }
	users := func(side, mark string, list []tenant.UserRef) {
		if len(list) == 0 {
			return
		}
		head("users only in "+side, len(list))
		t := newTable(w, "", "NAME", "EMAIL / USERNAME")
		for _, u := range list {
			t.row(mark, u.Name, u.Label)
		}
		t.flush()
	}
	names := func(what, side string, list []string) {
		if len(list) == 0 {
			return
		}
		head(what+" only in "+side, len(list))
		t := newTable(w, "", "")
		for _, n := range list {
			t.row("", n)
		}
		t.flush()
	}
	access := func(side, mark string, list []tenant.MembershipRef) {
		if len(list) == 0 {
			return
		}
		head("access only in "+side, len(list))
		t := newTable(w, "", "USER", "ROLE — ORG", "HELD")
		for _, m := range list {
			t.row(mark, m.User.Label, m.Membership(), tenant.HeldText(!m.ViaOnly, m.UserGroups))
		}
		t.flush()
	}
	users(left.name, "<", c.UsersOnlyLeft)
	users(right.name, ">", c.UsersOnlyRight)
	if len(c.UsersDiffering) > 0 {
		head("users in both that differ", len(c.UsersDiffering))
		t := newTable(w, "", "USER", "FIELD", strings.ToUpper(left.name), strings.ToUpper(right.name))
		for _, d := range c.UsersDiffering {
			for i, fd := range d.Fields {
				mark, who := "~", d.Left.Label
				if i > 0 {
					mark, who = "", ""
				}
				t.row(mark, who, fd.Field, orDash(fd.Left), orDash(fd.Right))
			}
		}
		t.flush()
	}
	names("roles", left.name, c.RolesOnlyLeft)
	names("roles", right.name, c.RolesOnlyRight)
	names("orgs", left.name, c.OrgsOnlyLeft)
	names("orgs", right.name, c.OrgsOnlyRight)
	access(left.name, "<", c.AccessOnlyLeft)
	access(right.name, ">", c.AccessOnlyRight)
	n := export.CountsOf(c)
	l, r := textsafe.Line(left.name), textsafe.Line(right.name)
	_, err := fmt.Fprintf(w, "\nusers: %d only in %s, %d only in %s, %d differ · roles: %d / %d · orgs: %d / %d · access: %d only in %s, %d only in %s\n",
		n.UsersOnlyLeft, l, n.UsersOnlyRight, r, n.UsersDiffering, n.RolesOnlyLeft, n.RolesOnlyRight, n.OrgsOnlyLeft, n.OrgsOnlyRight,
		n.AccessOnlyLeft, l, n.AccessOnlyRight, r)
	return err
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
