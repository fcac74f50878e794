package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"
)

// ErrOffline is returned by writes when no client is configured.
var ErrOffline = errors.New("offline: this needs a connection to the tenant")

// Service binds a tenant client (nil when offline) to its local cache.
type Service struct {
	Client  *client.Client
	store   *cache.Store
	Profile string
	Actor   string // who is acting, for the audit log (the OS user by default)
	Now     func() time.Time
	// TenantID is the tenant's own id (OneTrust's tenant GUID) when the
	// token response gives one; API keys give none. Syncs record it.
	TenantID string

	users userLocks // orders the writes to one user (see record.go)
	creds credCache // the credential, once read (see Credential)
}

// New returns a Service with the actor set to the OS user.
func New(c *client.Client, store *cache.Store, profile string) *Service {
	return &Service{Client: c, store: store, Profile: profile, Actor: cache.OSUser(), Now: time.Now}
}

// Online reports whether writes are possible.
func (s *Service) Online() bool { return s.Client != nil }

// Tenant is the tenant URL for messages and audit rows ("" offline).
func (s *Service) Tenant() string {
	if s.Client == nil {
		return ""
	}
	return s.Client.BaseURL()
}

// audit appends one row for an attempt that changed nothing known (see
// record); a failure to audit is reported, never swallowed.
func (s *Service) audit(ctx context.Context, action, target, detail string, err error) error {
	if _, aerr := s.record(ctx, nil, s.auditEntry(action, target, detail, err)); aerr != nil {
		return fmt.Errorf("audit log: %w", aerr)
	}
	return nil
}

// cachePatience bounds how long recording a tenant write waits for a cache
// that another otaccess is writing (a 100k-user sync saves for seconds).
var cachePatience = 60 * time.Second

// whenNotBusy runs a cache write that records something the server already
// did, retrying while the cache is busy: losing it would leave the cache or
// the audit log silently behind the server. It ignores the caller's
// cancellation for the same reason.
func whenNotBusy(ctx context.Context, write func(context.Context) error) error {
	wctx := context.WithoutCancel(ctx)
	deadline := time.Now().Add(cachePatience)
	for {
		// Each attempt waits the store's own busy timeout; patience only
		// bounds how often it is tried again.
		err := write(wctx)
		if err == nil || !errors.Is(err, cache.ErrBusy) || !time.Now().Before(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *Service) auditEntry(action, target, detail string, err error) tenant.AuditEntry {
	e := tenant.AuditEntry{
		At: s.now().UTC(), Actor: s.Actor, Profile: s.Profile, Tenant: s.Tenant(),
		Action: action, Target: target, Detail: detail, Result: "ok",
	}
	if err != nil {
		e.Result = "failed: " + err.Error()
		switch {
		case errors.Is(err, ErrUnknownOutcome):
			e.Result = "unknown: " + err.Error()
		case IsNotSent(err):
			e.Result = notSent(err).Error()
		}
		var ce *client.Error
		if errors.As(err, &ce) {
			e.Status = ce.Status
		}
	}
	return e
}

// MembershipLabel is "Role — Org" for role x org groups, else the group name.
func MembershipLabel(snap *tenant.Snapshot, g int) string {
	grp := &snap.Groups[g]
	if grp.Plain() {
		return grp.DisplayName
	}
	return snap.Roles[grp.Role].Name + " — " + snap.Orgs[grp.Org].Name
}

// Change is one membership change, resolved against a snapshot.
type Change struct {
	Grant     bool
	UserID    string
	UserLabel string // email or userName, for messages
	GroupID   string
	Group     string // "Role — Org"
	// SnapshotModified is the user's meta.lastModified in the snapshot the
	// change was planned on; ApplyVerified compares it with the server's.
	SnapshotModified string
	// Run names the run the change is part of (a deprovisioning, a
	// restore) in its audit row, so that a restore finds what one
	// deprovisioning removed.
	Run string
}

// auditDetail is the request, the user it is for (the target names the
// user by label, which an edit may change) and the run.
func (c Change) auditDetail() string {
	return c.Request() + " user " + c.UserID + runSuffix(c.Run)
}

// NewChange resolves user and group indexes of snap into a Change.
func NewChange(snap *tenant.Snapshot, u, g int, grant bool) Change {
	return Change{
		Grant: grant, UserID: snap.Users[u].ID, UserLabel: snap.Users[u].Label(),
		GroupID: snap.Groups[g].ID, Group: MembershipLabel(snap, g),
		SnapshotModified: snap.Users[u].LastModified,
	}
}

// Verb is "grant" or "revoke".
func (c Change) Verb() string {
	if c.Grant {
		return "grant"
	}
	return "revoke"
}

// Describe says exactly what the change does, for confirmations and logs.
func (c Change) Describe() string {
	if c.Grant {
		return fmt.Sprintf("grant %s to %s", c.Group, c.UserLabel)
	}
	return fmt.Sprintf("revoke %s from %s", c.Group, c.UserLabel)
}

// Past says what the change did, for the line shown once it is applied.
func (c Change) Past() string {
	if c.Grant {
		return fmt.Sprintf("granted %s to %s", c.Group, c.UserLabel)
	}
	return fmt.Sprintf("revoked %s from %s", c.Group, c.UserLabel)
}

// Request is the HTTP request the change sends, for confirmations.
func (c Change) Request() string {
	op := "add"
	if !c.Grant {
		op = "remove"
	}
	return fmt.Sprintf("PATCH /Groups/%s (%s 1 member)", c.GroupID, op)
}

// Outcome of a write: what the cache now believes, and whether it was re-read
// from the server because the write's result was uncertain.
type Outcome struct {
	Change   Change
	Member   bool             // the membership as the server has it now
	Reread   *tenant.ReadUser // non-nil when the user was re-read from the server
	Deleted  bool             // the re-read found the user gone
	NoOp     bool             // the server already had the membership as asked
	Notes    []string         // what verification noticed, for the operator
	Err      error
	Duration time.Duration
}

// Apply sends one membership change: one PATCH and one cache transaction
// (the membership, its journal entry and its audit row). When the outcome
// is uncertain (an error after the request may have reached the server)
// the user is re-read so the cache never disagrees with the server
// silently. Writes to one user are ordered (see userLocks).
func (s *Service) Apply(ctx context.Context, ch Change) Outcome {
	if s.Client == nil {
		return Outcome{Change: ch, Member: !ch.Grant, Err: ErrOffline}
	}
	defer s.users.lock(ch.UserID)()
	return s.apply(ctx, ch)
}

// apply is Apply with the user already locked.
func (s *Service) apply(ctx context.Context, ch Change) Outcome {
	start := s.now()
	out := Outcome{Change: ch, Member: !ch.Grant}
	var err error
	if ch.Grant {
		err = s.Client.AddMember(ctx, ch.GroupID, ch.UserID)
	} else {
		err = s.Client.RemoveMember(ctx, ch.GroupID, ch.UserID)
	}
	// done is the change, once it is known to be on the server.
	done := &cache.Write{Kind: cache.WriteMember, UserID: ch.UserID, GroupID: ch.GroupID, Value: ch.Grant}
	switch {
	case err == nil:
		out.Member = ch.Grant
	case IsNotSent(err):
		err = notSent(err)
	case uncertain(err):
		u, deleted, rerr := s.reread(ctx, ch.UserID)
		out.Reread, out.Deleted = u, deleted
		switch {
		case u != nil:
			out.Member = u.HasGroup(ch.GroupID)
			if out.Member == ch.Grant {
				err = nil // the server applied it; only the answer was lost
			} else {
				done = nil
			}
		case rerr != nil:
			err, done = unsettled(ch.Verb(), err, rerr), nil
		default: // the user is gone
			done = nil
		}
	default:
		done = nil
	}
	note, rerr := s.record(ctx, done, s.auditEntry(ch.Verb(), ch.UserLabel+" / "+ch.Group, ch.auditDetail(), err))
	if note != "" {
		out.Notes = append(out.Notes, note)
	}
	if rerr != nil && err == nil {
		err = fmt.Errorf("%s succeeded on the server but the cache was not updated (run sync): %w", ch.Verb(), rerr)
	}
	out.Err = err
	out.Duration = s.now().Sub(start)
	return out
}

// uncertain reports whether a failed write may still have been applied: any
// failure other than a definite refusal from the server. A 2xx whose body did
// not decode was applied.
func uncertain(err error) bool {
	var ce *client.Error
	if errors.As(err, &ce) {
		if ce.NotSent {
			return false // it never reached the server: nothing to re-read
		}
		return ce.Status == 0 || (ce.Status >= 200 && ce.Status < 300) || ce.Status >= 500 || ce.Status == 429
	}
	return true // network errors, timeouts, cut connections
}

// ErrUnknownOutcome marks a write that may or may not have been applied:
// its answer was lost and the re-read that would tell failed too. Its audit
// row says "unknown", not "failed".
var ErrUnknownOutcome = errors.New("the outcome is unknown")

// unsettled is the error of a write whose outcome is unknown.
func unsettled(verb string, err, rerr error) error {
	return fmt.Errorf("%s: %w (%w) and re-reading the user failed (%v): the cache may not match the server; run `otaccess sync`", verb, ErrUnknownOutcome, err, rerr)
}

// reread fetches the user after an uncertain write and writes it through to
// the cache. It uses a fresh context: the caller's may be what just expired.
// u is nil when the user is gone (deleted) or the read failed (err); when
// only the cache update failed, u is set and err says so.
func (s *Service) reread(ctx context.Context, userID string) (u *tenant.ReadUser, deleted bool, err error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return s.fetchUser(rctx, userID)
}

// fetchUser reads the user from the server and stores what it finds in the
// cache: the user, or its absence. The journal mark taken first keeps an
// answer that predates another write to the user from undoing it (see
// cache.Store.PutUser). u is nil when the user is gone (deleted) or the
// read failed (err); when only the cache update failed, u is set and err
// says so.
func (s *Service) fetchUser(rctx context.Context, userID string) (u *tenant.ReadUser, deleted bool, err error) {
	mark, err := s.store.Mark(rctx)
	if err != nil {
		return nil, false, err
	}
	wire, err := s.Client.GetUser(rctx, userID)
	if client.IsNotFound(err) {
		if derr := s.store.DeleteUser(rctx, userID); derr != nil {
			return nil, true, fmt.Errorf("the user is gone from the server but the cache still lists it: %w", derr)
		}
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	read := readUser(wire)
	if perr := s.store.PutUser(rctx, read, mark); perr != nil {
		return &read, false, fmt.Errorf("the cache was not updated: %w", perr)
	}
	return &read, false, nil
}
