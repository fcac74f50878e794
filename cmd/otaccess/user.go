package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

type userOptions struct {
	*app
	Who    string // an id, email, userName or unique display name
	Output outputFlags
	// History adds the user's OneTrust audit trail, read from the tenant
	// (who granted what, when, how).
	History bool
	// Logins adds the user's recent login attempts, read from the tenant.
	Logins bool
}

func newCmdUser(a *app, runF func(context.Context, *userOptions) error) *cobra.Command {
	o := &userOptions{app: a}
	cmd := &cobra.Command{
		Use:   "user ID|EMAIL|USERNAME",
		Short: "Show one cached user and its memberships",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Who = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return userRun(cmd.Context(), o)
		},
	}
	o.Output.add(cmd, false)
	cmd.Flags().BoolVar(&o.Logins, "logins", false, "also read the user's recent login attempts from OneTrust (time, success or failure, IP, agent; needs the USER scope)")
	cmd.Flags().BoolVar(&o.History, "history", false, "also read the user's audit trail from OneTrust (who granted each membership, when, how; needs the USER scope)")
	addAsOf(cmd, a)
	return cmd
}

func userRun(ctx context.Context, o *userOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	i, err := findUser(snap, o.Who)
	if err != nil {
		return err
	}
	w := o.io.Out
	var history tenant.UserHistory
	if o.History {
		// Online it is read now (and kept); offline, or when the read
		// fails, the kept one is shown with the time it was read.
		svc, err := o.service(ctx, false)
		if err != nil {
			return err
		}
		h, fresh, readErr, err := svc.HistoryOr(ctx, snap.Users[i].ID)
		if err != nil {
			return fmt.Errorf("reading the history of %s: %w", textsafe.Line(snap.Users[i].Label()), err)
		}
		history = h
		if !fresh {
			msg := "history: kept in the cache, read at " + export.RFC3339(h.FetchedAt) + " (" + tenant.Ago(o.now().Sub(h.FetchedAt)) + ")"
			if readErr != nil {
				msg += "; reading it now failed: " + readErr.Error()
			}
			fmt.Fprintln(o.io.ErrOut, textsafe.Line(msg))
		}
	}
	var logins []access.LoginEntry
	if o.Logins {
		svc, err := o.service(ctx, true)
		if err != nil {
			return err
		}
		if logins, err = svc.LoginHistory(ctx, snap.Users[i].ID); err != nil {
			if access.IsUnavailable(err) {
				return err // it says what and why
			}
			return fmt.Errorf("reading the login history of %s: %w", textsafe.Line(snap.Users[i].Label()), err)
		}
	}
	if o.Output.json {
		out := struct {
			export.User
			History          *[]historyJSON `json:"history,omitempty"`
			HistoryFetchedAt string         `json:"historyFetchedAt,omitempty"`
			Logins           *[]loginJSON   `json:"logins,omitempty"`
		}{User: export.ToUser(snap, i)}
		if o.History {
			h := toHistoryJSON(history.Entries)
			out.History, out.HistoryFetchedAt = &h, export.RFC3339(history.FetchedAt)
		}
		if o.Logins {
			l := toLoginJSON(logins)
			out.Logins = &l
		}
		return export.WriteJSON(w, out)
	}
	u := &snap.Users[i]
	t := newTable(w, "FIELD", "VALUE")
	for _, kv := range [][2]string{
		{"name", u.Name()}, {"email", u.Email}, {"userName", u.UserName}, {"id", u.ID},
		{"status", export.Status(u.Active)}, {"type", u.UserType}, {"title", u.Title},
		{"department", u.Department}, {"manager", u.ManagerName}, {"externalId", u.ExternalID},
		{"created", u.Created}, {"modified", u.LastModified},
		{"last login", loginText(snap, u, o.now())}, {"expires", export.RFC3339(u.Expires)},
		{"disabled", strings.TrimSpace(export.RFC3339(u.DisabledAt) + byWhom(u.DisabledBy))},
	} {
		if kv[1] != "" {
			t.row(kv[0], kv[1])
		}
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	m := newTable(w, "ROLE", "ORG", "HELD", "GROUP ID")
	for _, g := range snap.EffectiveGroups(i) {
		mj := export.ToMembership(snap, int(g))
		role, org := mj.Role, mj.Org
		if role == "" {
			role = mj.Group
		}
		m.row(role, org, tenant.HeldText(snap.IsMember(i, int(g)), export.HeldThrough(snap, i, int(g))), mj.GroupID)
	}
	if err := m.flush(); err != nil {
		return err
	}
	if !snap.Access.UserGroups.Read {
		fmt.Fprintf(o.io.ErrOut, "user groups: not available — %s\n", snap.Access.UserGroups.Reason())
	}
	if o.History {
		if err := printHistory(w, history.Entries); err != nil {
			return err
		}
	}
	if o.Logins {
		return printLogins(w, logins)
	}
	return nil
}

// printLogins prints the user's login attempts, newest first.
func printLogins(w io.Writer, logins []access.LoginEntry) error {
	fmt.Fprintln(w)
	if len(logins) == 0 {
		fmt.Fprintln(w, "no login attempts in OneTrust's login history (it keeps a year)")
		return nil
	}
	t := newTable(w, "WHEN", "RESULT", "IP", "AGENT")
	for _, e := range logins {
		t.row(e.When(), e.Result(), e.IP, e.Agent)
	}
	return t.flush()
}

// loginJSON is one login attempt in user --logins --json.
type loginJSON struct {
	Time      string `json:"time"` // RFC 3339, or the text sent when it did not read
	Success   bool   `json:"success"`
	Status    string `json:"status"`
	IPAddress string `json:"ipAddress"`
	UserAgent string `json:"userAgent"`
}

func toLoginJSON(es []access.LoginEntry) []loginJSON {
	out := make([]loginJSON, len(es))
	for i, e := range es {
		at := e.AtText
		if !e.At.IsZero() {
			at = e.At.UTC().Format(time.RFC3339)
		}
		out[i] = loginJSON{Time: at, Success: e.Success, Status: e.Status, IPAddress: e.IP, UserAgent: e.Agent}
	}
	return out
}

// loginText is the last login for people: a time and how long ago,
// "never", or why it is not known.
func loginText(snap *tenant.Snapshot, u *tenant.User, now time.Time) string {
	at, never, note := export.LastLogin(snap, u)
	switch {
	case never:
		return "never"
	case at == "":
		return note
	}
	return at + " (" + tenant.Ago(now.Sub(u.LastLogin)) + ")"
}

func byWhom(name string) string {
	if name == "" {
		return ""
	}
	return " by " + name
}

// printHistory prints the user's audit trail after the memberships.
func printHistory(w io.Writer, history []access.HistoryEntry) error {
	fmt.Fprintln(w)
	h := newTable(w, "WHEN", "EVENT", "FIELD", "FROM", "TO", "HOW", "BY")
	for _, e := range history {
		when := e.AtText
		if !e.At.IsZero() {
			when = e.At.UTC().Format("2006-01-02 15:04")
		}
		h.row(when, e.Event, e.Field, e.Old, e.New, e.Method, e.UpdatedBy)
	}
	if len(history) == 0 {
		fmt.Fprintln(w, "no history: OneTrust's audit trail of this user is empty")
		return nil
	}
	return h.flush()
}

// historyJSON is one audit-trail entry in user --history --json.
type historyJSON struct {
	Date      string `json:"date"`
	Event     string `json:"event"`
	FieldName string `json:"fieldName"`
	OldValue  string `json:"oldValue"`
	NewValue  string `json:"newValue"`
	Method    string `json:"method"`
	UpdatedBy string `json:"updatedBy"`
}

func toHistoryJSON(es []access.HistoryEntry) []historyJSON {
	out := make([]historyJSON, len(es))
	for i, e := range es {
		date := e.AtText
		if !e.At.IsZero() {
			date = e.At.UTC().Format(time.RFC3339Nano)
		}
		out[i] = historyJSON{Date: date, Event: e.Event, FieldName: e.Field, OldValue: e.Old, NewValue: e.New, Method: e.Method, UpdatedBy: e.UpdatedBy}
	}
	return out
}

// findUser resolves an id, email or userName to exactly one cached user;
// failing those, a display name that only one user has. A query that
// matches nobody gets the closest users as suggestions.
func findUser(snap *tenant.Snapshot, q string) (int, error) {
	hits := snap.Lookup(q)
	byName := false
	if len(hits) == 0 {
		hits, byName = snap.LookupName(q), true
	}
	switch len(hits) {
	case 0:
		msg := fmt.Sprintf("no user matches %q", q)
		if near := snap.SuggestUsers(q, 3); len(near) > 0 {
			names := make([]string, len(near))
			for i, u := range near {
				names[i] = userRef(snap, u)
			}
			msg += "; did you mean " + strings.Join(names, ", ") + "?"
		} else {
			msg += " (give an id, email, userName or a unique name; `otaccess users --filter` searches)"
		}
		return 0, errors.New(msg)
	case 1:
		return hits[0], nil
	}
	names := make([]string, 0, len(hits))
	for _, h := range hits {
		names = append(names, textsafe.Line(snap.Users[h].ID+" ("+snap.Users[h].Label()+")"))
	}
	if byName {
		return 0, fmt.Errorf("%d users are named %q: %s; give the email or id", len(hits), q, strings.Join(names, ", "))
	}
	return 0, fmt.Errorf("%q matches %d users: %s; use the id", q, len(hits), strings.Join(names, ", "))
}

// userRef names a user in a suggestion: the email (or userName), and the
// name when it says more.
func userRef(snap *tenant.Snapshot, u int) string {
	usr := &snap.Users[u]
	ref := usr.Label()
	if n := usr.Name(); n != "" && n != ref {
		ref += " (" + n + ")"
	}
	return textsafe.Line(ref)
}
