package access

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

// ErrDeleteUnavailable: OneTrust's User Provisioning reference documents
// SCIM DELETE /Users/{id} as "not available at this time" (it lists a 204
// all the same), so otaccess sends none to a OneTrust host.
var ErrDeleteUnavailable = errors.New("OneTrust documents SCIM DELETE /Users as not available at this time")

// DeleteUnavailable says why a delete is not sent to the tenant at
// tenantURL, nil when it is: the host is OneTrust's. Deactivating the user
// and removing its memberships is the deprovisioning OneTrust documents.
func DeleteUnavailable(tenantURL string) error {
	if !client.IsOneTrustURL(tenantURL) {
		return nil
	}
	host := tenantURL
	if u, err := url.Parse(tenantURL); err == nil {
		host = u.Host
	}
	return fmt.Errorf("%w (%s): nothing was sent; deactivate the user and remove its memberships instead", ErrDeleteUnavailable, textsafe.Line(host))
}

// DeleteUnavailable is DeleteUnavailable for the connected tenant (nil
// offline: nothing can be sent then anyway).
func (s *Service) DeleteUnavailable() error {
	if s.Client == nil {
		return nil
	}
	return DeleteUnavailable(s.Client.BaseURL())
}

// Plan is a deprovisioning plan for one user, shown before it runs.
type Plan struct {
	UserID     string
	UserLabel  string
	Deactivate bool
	Remove     []Change // memberships to revoke
	// Leave are the user groups to leave: access through them outlives a
	// revoke of the direct memberships.
	Leave  []Leave
	Delete bool // DELETE /Users/{id} instead of the steps above
}

// newRun names one run of writes in the audit log ("deprovision 3f9c…"):
// random, so that no clock (a test's may stand still) makes two runs one.
func newRun(kind string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return kind + " " + hex.EncodeToString(b[:])
}

// PlanDeprovision builds the plan for user u of snap: deactivate (when
// active), strip every membership when strip is set, or delete.
func PlanDeprovision(snap *tenant.Snapshot, u int, strip, del bool) Plan {
	usr := &snap.Users[u]
	p := Plan{UserID: usr.ID, UserLabel: usr.Label(), Delete: del}
	if del {
		return p
	}
	p.Deactivate = usr.Active
	if strip {
		for _, g := range usr.Groups {
			p.Remove = append(p.Remove, NewChange(snap, u, int(g), false))
		}
		for _, k := range snap.UserGroupsOf(u) {
			p.Leave = append(p.Leave, PlanLeave(snap, u, int(k)))
		}
	}
	return p
}

// Steps lists the plan in words, one line per step.
func (p Plan) Steps() []string {
	if p.Delete {
		return []string{fmt.Sprintf("delete the user %s (DELETE /Users/%s)", p.UserLabel, p.UserID)}
	}
	var out []string
	if p.Deactivate {
		out = append(out, "deactivate the user (active: false)")
	}
	for _, c := range p.Remove {
		out = append(out, "remove "+c.Group)
	}
	for _, l := range p.Leave {
		step := "leave user group " + l.Group
		if len(l.AlsoLoses) > 0 {
			step += " (it grants " + strings.Join(l.AlsoLoses, ", ") + ")"
		}
		out = append(out, step)
	}
	return out
}

// Empty reports a plan with nothing to do (already inactive, no roles).
func (p Plan) Empty() bool {
	return !p.Delete && !p.Deactivate && len(p.Remove) == 0 && len(p.Leave) == 0
}

// StepResult is the outcome of one step of a deprovisioning.
type StepResult struct {
	Index int // position in Plan.Steps()
	Name  string
	Err   error
}

// DeprovisionResult is what the server holds after the plan ran.
type DeprovisionResult struct {
	Steps   []StepResult
	User    *tenant.ReadUser // re-read after the steps; nil when deleted
	Deleted bool
	// Note reports what the server actually did when it differs from the
	// plan (a DELETE that only deactivated, say).
	Note string
}

// Err is the first failed step, or nil.
func (r DeprovisionResult) Err() error {
	var errs []error
	for _, s := range r.Steps {
		if s.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Name, s.Err))
		}
	}
	return errors.Join(errs...)
}

// Deprovision runs the plan step by step, reporting each step as it ends,
// then re-reads the user so the cache holds what the server did. Every step
// is audited.
func (s *Service) Deprovision(ctx context.Context, p Plan, report func(StepResult)) DeprovisionResult {
	var res DeprovisionResult
	emit := func(r StepResult) {
		res.Steps = append(res.Steps, r)
		if report != nil {
			report(r)
		}
	}
	names := p.Steps()
	if s.Client == nil {
		emit(StepResult{Index: 0, Name: "connect", Err: ErrOffline})
		return res
	}
	if p.Delete {
		// Refused before anything is sent (and so not audited: no write
		// was attempted).
		if err := s.DeleteUnavailable(); err != nil {
			emit(StepResult{Index: 0, Name: names[0], Err: err})
			return res
		}
	}
	defer s.users.lock(p.UserID)()
	runName := newRun("deprovision")
	run := runSuffix(runName)
	if p.Delete {
		err := s.userWrite(ctx, p, "delete", "DELETE /Users/"+p.UserID+run,
			&cache.Write{Kind: cache.WriteDeleted, UserID: p.UserID},
			func() error { return s.Client.DeleteUser(ctx, p.UserID) },
			func(_ *tenant.ReadUser, deleted bool) bool { return deleted })
		emit(StepResult{Index: 0, Name: names[0], Err: err})
	} else {
		i := 0
		if p.Deactivate {
			err := s.userWrite(ctx, p, "deactivate", "PATCH /Users/"+p.UserID+" active=false"+run,
				&cache.Write{Kind: cache.WriteActive, UserID: p.UserID, Value: false},
				func() error { _, err := s.Client.SetActive(ctx, p.UserID, false); return err },
				func(u *tenant.ReadUser, _ bool) bool { return u != nil && !u.Active })
			emit(StepResult{Index: i, Name: names[i], Err: err})
			i++
		}
		for _, ch := range p.Remove {
			if ctx.Err() != nil {
				emit(StepResult{Index: i, Name: names[i], Err: ctx.Err()})
				i++
				continue
			}
			ch.Run = runName
			out := s.apply(ctx, ch)
			emit(StepResult{Index: i, Name: names[i], Err: out.Err})
			i++
		}
		for _, l := range p.Leave {
			err := ctx.Err()
			if err == nil {
				err = s.leaveUserGroup(ctx, l, run)
			}
			emit(StepResult{Index: i, Name: names[i], Err: err})
			i++
		}
	}
	// Re-read: the truth after the steps, whatever each step reported.
	u, deleted, rerr := s.reread(ctx, p.UserID)
	res.User, res.Deleted = u, deleted
	switch {
	case rerr != nil:
		res.Note = fmt.Sprintf("re-reading %s after the steps failed (%v): the cache may not match the server; run `otaccess sync`", p.UserLabel, rerr)
	case p.Delete && !deleted && u != nil:
		res.Note = fmt.Sprintf("the server kept %s after DELETE (active: %v); the cache now shows it as the server has it", p.UserLabel, u.Active)
	case !p.Delete && u != nil && p.Deactivate && u.Active:
		res.Note = fmt.Sprintf("%s is still active on the server", p.UserLabel)
	}
	return res
}

// userWrite sends one write to the user, re-reads the user when the outcome
// is uncertain (applied tells from the re-read whether the write landed, so
// a lost answer is not reported as a failure), and records the result: done
// applied to the cache and journaled once it is known to be on the server,
// and one audit row either way (see record).
func (s *Service) userWrite(ctx context.Context, p Plan, action, detail string, done *cache.Write, write func() error, applied func(u *tenant.ReadUser, deleted bool) bool) error {
	err := write()
	if err != nil {
		done = nil
		if IsNotSent(err) {
			err = notSent(err)
		} else if uncertain(err) {
			u, deleted, rerr := s.reread(ctx, p.UserID)
			switch {
			case u != nil || deleted:
				if applied(u, deleted) {
					err = nil // applied; only the answer was lost
				}
			case rerr != nil:
				err = unsettled(action, err, rerr)
			}
		}
	}
	_, rerr := s.record(ctx, done, s.auditEntry(action, p.UserLabel, detail, err))
	if errors.Is(rerr, cache.ErrNotInSnapshot) {
		rerr = nil // the re-read after the steps settles the cache
	}
	if rerr != nil && err == nil {
		err = fmt.Errorf("%s succeeded on the server but the cache was not updated (run sync): %w", action, rerr)
	}
	return err
}

// ConfirmsDelete reports whether typed, what someone typed to confirm a
// delete, names the plan's user: their label (the email, else userName)
// typed out in full, in any case, surrounding spaces ignored. The CLI's
// delete and the terminal UI's dialog share it, so that the two ask for
// the same thing.
func (p Plan) ConfirmsDelete(typed string) bool {
	return p.UserLabel != "" && strings.EqualFold(strings.TrimSpace(typed), p.UserLabel)
}
