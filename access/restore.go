package access

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"
)

// A restore undoes one deprovisioning, read back from the audit log: every
// step of a deprovisioning carries its run ("· deprovision 3f9c…") in its
// audit detail, and each revocation names the user id and the group id, so
// the log alone says exactly what was removed. Each user group left names
// the group by id (in the request) and by name (quoted after it).

// RestorePlan re-grants what one deprovisioning removed and reactivates the
// user when it deactivated them.
type RestorePlan struct {
	UserID, UserLabel string
	Run               string    // the deprovisioning's run
	FromID            int64     // its first audit row
	At                time.Time // when it ran
	Activate          bool      // it deactivated the user, who is still inactive
	Grants            []Change  // memberships it removed that the user lacks now
	// Joins are the user groups it made the user leave that the user is
	// not in now.
	Joins      []UserGroupMembership
	Held       []string // memberships it removed that the user holds again
	NotRemoved []string // revocations that failed: nothing to undo
}

// Empty reports a plan with nothing to do.
func (p RestorePlan) Empty() bool { return !p.Activate && len(p.Grants) == 0 && len(p.Joins) == 0 }

// Steps lists the plan in words, one line per step, in the order it runs:
// the access first, so that the user is never active with half of it.
func (p RestorePlan) Steps() []string {
	var out []string
	for _, c := range p.Grants {
		out = append(out, "grant "+c.Group)
	}
	for _, j := range p.Joins {
		out = append(out, joinStepName(j))
	}
	if p.Activate {
		out = append(out, "reactivate the user (active: true)")
	}
	return out
}

// ErrNoDeprovisioning says the audit log holds no deprovisioning to undo.
var ErrNoDeprovisioning = errors.New("no deprovisioning of this user in the audit log")

// auditStep is one audit row parsed as a step of a deprovisioning.
type auditStep struct {
	e       tenant.AuditEntry
	run     string
	userID  string
	groupID string // revoke and leave rows: the SCIM group or the user group
	group   string // revoke rows: "Role — Org"; leave rows: the user group's name
}

// parseDeprovisionStep reads a row written by Deprovision; ok is false for
// any other row.
func parseDeprovisionStep(e tenant.AuditEntry) (auditStep, bool) {
	i := strings.LastIndex(e.Detail, " · deprovision ")
	if i < 0 {
		return auditStep{}, false
	}
	// The run ends the detail; rows written before it did had a leave's
	// "; also loses …" after it.
	run, _, _ := strings.Cut(e.Detail[i+len(" · "):], ";")
	st := auditStep{e: e, run: run}
	req := e.Detail[:i]
	switch e.Action {
	case "deactivate", "delete":
		_, rest, ok := strings.Cut(req, "/Users/")
		if !ok {
			return auditStep{}, false
		}
		st.userID, _, _ = strings.Cut(rest, " ")
	case "revoke":
		_, rest, ok := strings.Cut(req, "/Groups/")
		if !ok {
			return auditStep{}, false
		}
		st.groupID, _, _ = strings.Cut(rest, " (")
		_, uid, ok := strings.Cut(req, ") user ")
		if !ok {
			return auditStep{}, false
		}
		st.userID = uid
		_, st.group, _ = strings.Cut(e.Target, " / ")
	case "leave user group":
		rest, ok := strings.CutPrefix(req, "DELETE "+client.PathUserGroups+"/")
		if !ok {
			return auditStep{}, false
		}
		st.groupID, rest, ok = strings.Cut(rest, "/members/")
		if !ok {
			return auditStep{}, false
		}
		st.userID, rest, _ = strings.Cut(rest, " ")
		st.userID, _, _ = strings.Cut(st.userID, ";")
		if q, err := strconv.QuotedPrefix(strings.TrimPrefix(rest, "user group ")); err == nil {
			st.group, _ = strconv.Unquote(q)
		} else {
			_, st.group, _ = strings.Cut(e.Target, " / ") // rows from before the name was quoted
		}
	default:
		return auditStep{}, false
	}
	return st, st.userID != ""
}

// applied reports whether the row's write reached the server (or may have:
// a grant back is harmless when the membership is still there).
func (st auditStep) applied() bool {
	return st.e.Result == "ok" || strings.HasPrefix(st.e.Result, "unknown")
}

// PlanRestore reads the audit log and plans the undo of user u's latest
// deprovisioning, or of the one audit row from belongs to (from > 0). The
// user's memberships and status are taken from snap, so that what the
// user holds again is not granted twice.
func (s *Service) PlanRestore(ctx context.Context, snap *tenant.Snapshot, u int, from int64) (RestorePlan, error) {
	entries, err := s.store.Audit(ctx, 0) // newest first
	if err != nil {
		return RestorePlan{}, err
	}
	return PlanRestore(snap, entries, u, from)
}

// PlanRestore is Service.PlanRestore over the given audit entries (newest
// first).
func PlanRestore(snap *tenant.Snapshot, entries []tenant.AuditEntry, u int, from int64) (RestorePlan, error) {
	usr := &snap.Users[u]
	p := RestorePlan{UserID: usr.ID, UserLabel: usr.Label()}
	var steps []auditStep
	for _, e := range entries {
		if st, ok := parseDeprovisionStep(e); ok {
			steps = append(steps, st)
		}
	}
	for _, st := range steps {
		switch {
		case from > 0 && st.e.ID == from:
			if st.userID != usr.ID {
				return p, fmt.Errorf("audit row %d is a deprovisioning of user %s, not of %s", from, st.userID, p.UserLabel)
			}
			p.Run = st.run
		case from <= 0 && st.userID == usr.ID:
			p.Run = st.run
		}
		if p.Run != "" {
			break
		}
	}
	if p.Run == "" {
		if from > 0 {
			return p, fmt.Errorf("audit row %d is not a step of a deprovisioning (see `otaccess audit`)", from)
		}
		return p, fmt.Errorf("%w (%s); deprovisionings made before otaccess recorded their runs cannot be restored from the log", ErrNoDeprovisioning, p.UserLabel)
	}
	for _, st := range steps {
		if st.run != p.Run {
			continue
		}
		if p.FromID == 0 || st.e.ID < p.FromID {
			p.FromID, p.At = st.e.ID, st.e.At
		}
		switch st.e.Action {
		case "delete":
			if st.applied() {
				return p, fmt.Errorf("that deprovisioning deleted the user (audit row %d): a deleted user cannot be restored; create them again", st.e.ID)
			}
		case "deactivate":
			p.Activate = st.applied() && !usr.Active
		case "revoke":
			label := st.group
			if label == "" {
				label = st.groupID
			}
			switch g, ok := snap.GroupIndex(st.groupID); {
			case !st.applied():
				p.NotRemoved = append(p.NotRemoved, label)
			case ok && snap.IsMember(u, g):
				p.Held = append(p.Held, label)
			default:
				p.Grants = append(p.Grants, Change{Grant: true, UserID: usr.ID, UserLabel: p.UserLabel,
					GroupID: st.groupID, Group: label, SnapshotModified: usr.LastModified})
			}
		case "leave user group":
			label := "user group " + cmp.Or(st.group, st.groupID)
			switch {
			case !st.applied():
				p.NotRemoved = append(p.NotRemoved, label)
			case inUserGroup(snap, u, st.groupID):
				p.Held = append(p.Held, label)
			default:
				p.Joins = append(p.Joins, UserGroupMembership{UserID: usr.ID, UserLabel: p.UserLabel,
					GroupID: st.groupID, Group: cmp.Or(st.group, st.groupID)})
			}
		}
	}
	// The log is newest first; restore in the order they were removed.
	slices.Reverse(p.Grants)
	slices.Reverse(p.Joins)
	return p, nil
}

// inUserGroup reports whether user u of snap is a member of the user group.
func inUserGroup(snap *tenant.Snapshot, u int, groupID string) bool {
	k, ok := snap.UserGroupIndex(groupID)
	return ok && slices.Contains(snap.UserGroupsOf(u), int32(k))
}

// joinStepName names the step that adds the user back to a user group.
func joinStepName(j UserGroupMembership) string { return "rejoin user group " + j.Group }

// Restore runs the plan: each grant (one PATCH, audited, the cache in
// step), each user group rejoined (one POST, its members re-read,
// audited, the cache in step), then the reactivation, then a re-read of the user. Every row is
// tagged with this restore's run.
func (s *Service) Restore(ctx context.Context, p RestorePlan, report func(StepResult)) StepsResult {
	run := newRun("restore")
	var steps []step
	for _, ch := range p.Grants {
		ch.Run = run
		steps = append(steps, s.grantStep(ch))
	}
	for _, j := range p.Joins {
		steps = append(steps, step{name: joinStepName(j), do: func(ctx context.Context) error {
			return s.userGroupWrite(ctx, true, j, "", run)
		}})
	}
	if p.Activate {
		steps = append(steps, step{name: "reactivate the user", do: func(ctx context.Context) error {
			_, err := s.activate(ctx, p.UserID, p.UserLabel, run)
			return err
		}})
	}
	return s.runSteps(ctx, p.UserID, p.UserLabel, steps, report)
}
