package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// ReviewScope selects what a review covers.
type ReviewScope struct {
	// Role and Org pick memberships: an id or an exact name (any case)
	// selects that one; otherwise every role (org) whose name contains the
	// text. Empty means all.
	Role, Org string
	// WithSubOrgs widens Org to the organizations under it in OneTrust's
	// organization tree (the snapshot must have one).
	WithSubOrgs bool
	// Filter picks users, in the filter language of tenant.Index
	// ("legal", "status:inactive", "type:external", ...).
	Filter string
}

// Scope is a review's scope resolved against a snapshot.
type Scope struct {
	Items []tenant.ReviewItem
	Roles []string // names of the roles covered; nil when all
	Orgs  []string // names of the orgs covered; nil when all
	Users int      // distinct users
	// Description says in words what was selected, for the review record.
	Description string
}

// MatchRoles resolves a role given by id or name (a --role value) to indexes
// of snap.Roles: an exact id or name (any case) wins, else every role whose
// name contains q. The CLI's writes and review scopes share it so that a
// name selects the same roles everywhere.
func MatchRoles(snap *tenant.Snapshot, q string) ([]int, error) {
	return matchNames("role", q, len(snap.Roles),
		func(i int) string { return snap.Roles[i].ID }, func(i int) string { return snap.Roles[i].Name })
}

// MatchOrgs is MatchRoles for organizations (an --org value).
func MatchOrgs(snap *tenant.Snapshot, q string) ([]int, error) {
	return matchNames("org", q, len(snap.Orgs),
		func(i int) string { return snap.Orgs[i].ID }, func(i int) string { return snap.Orgs[i].Name })
}

func matchNames(kind, q string, n int, id, name func(int) string) ([]int, error) {
	ql := strings.ToLower(strings.TrimSpace(q))
	for i := range n {
		if id(i) == q || strings.ToLower(name(i)) == ql {
			return []int{i}, nil
		}
	}
	var out []int
	for i := range n {
		if strings.Contains(strings.ToLower(name(i)), ql) {
			out = append(out, i)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no %s matches %q (`otaccess groups` lists them)", kind, q)
	}
	return out, nil
}

// isAdminRole flags roles whose name says they administer something.
func isAdminRole(name string) bool { return strings.Contains(strings.ToLower(name), "admin") }

// SelectScope freezes the memberships sc selects from snap. prev, the
// snapshot before snap (nil when there is none), marks memberships granted
// since then. Users the filter selects who hold no role at all are
// included as one item each (GroupID ""), unless the scope is limited to
// some roles or orgs, since they are what a review should notice too.
// The filter's positive role:, org: and group: terms limit the memberships
// too: "status:inactive org:legal" covers what inactive users hold in
// Legal, not everything they hold.
//
// Items are ordered by user (snapshot order: name, email, id), then by
// role, org and group id: the same snapshot and scope always give the same
// list.
func SelectScope(snap, prev *tenant.Snapshot, sc ReviewScope) (*Scope, error) {
	out := &Scope{}
	roleOK := make([]bool, len(snap.Roles))
	orgOK := make([]bool, len(snap.Orgs))
	var words []string
	pick := func(kind, q string, ok []bool, match func(*tenant.Snapshot, string) ([]int, error), name func(int) string) ([]string, error) {
		if strings.TrimSpace(q) == "" {
			for i := range ok {
				ok[i] = true
			}
			return nil, nil
		}
		hits, err := match(snap, q)
		if err != nil {
			return nil, err
		}
		var picked []string
		for _, i := range hits {
			ok[i] = true
			picked = append(picked, name(i))
		}
		words = append(words, kind+" "+strings.Join(picked, ", "))
		return picked, nil
	}
	var err error
	if out.Roles, err = pick("role", sc.Role, roleOK, MatchRoles, func(i int) string { return snap.Roles[i].Name }); err != nil {
		return nil, err
	}
	if out.Orgs, err = pick("org", sc.Org, orgOK, MatchOrgs, func(i int) string { return snap.Orgs[i].Name }); err != nil {
		return nil, err
	}
	if sc.WithSubOrgs {
		if err := withSubOrgs(snap, orgOK, &out.Orgs, &words, sc.Org); err != nil {
			return nil, err
		}
	}
	// The filter's role:, org: and group: terms scope the memberships as
	// --role and --org do; its other terms pick the users.
	users, inFilter, err := tenant.NewIndex(snap).FilterMemberships(sc.Filter, nil)
	if err != nil {
		return nil, fmt.Errorf("--filter: %w", err)
	}
	limited := out.Roles != nil || out.Orgs != nil || inFilter != nil
	if f := strings.TrimSpace(sc.Filter); f != "" {
		words = append(words, "users matching "+f)
	}
	if len(words) == 0 {
		words = []string{"every membership of the tenant"}
	}
	out.Description = strings.Join(words, "; ")

	var granted map[tenant.ItemKey]bool
	if prev != nil {
		d := tenant.Diff(prev, snap)
		granted = d.GrantedSet()
	}
	var groups []int32
	peers := tenant.NewPeers(snap)
	for _, k := range users {
		u := &snap.Users[k]
		base := tenant.ReviewItem{
			UserID: u.ID, UserName: u.Name(), UserEmail: u.Email, UserLabel: u.Label(), UserActive: u.Active,
		}
		base.SetLogin(u, snap.Info.FinishedAt)
		held := snap.EffectiveGroups(int(k))
		if len(held) == 0 {
			if !limited {
				it := base
				it.Hints |= tenant.HintNoRole
				out.Items = append(out.Items, it)
				out.Users++
			}
			continue
		}
		groups = groups[:0]
		for _, g := range held {
			grp := &snap.Groups[g]
			if inFilter != nil && !inFilter[g] {
				continue
			}
			if grp.Plain() {
				if !limited {
					groups = append(groups, g)
				}
				continue
			}
			if roleOK[grp.Role] && orgOK[grp.Org] {
				groups = append(groups, g)
			}
		}
		if len(groups) == 0 {
			continue
		}
		out.Users++
		first := len(out.Items)
		for _, g := range groups {
			grp := &snap.Groups[g]
			it := base
			it.GroupID, it.Group = grp.ID, grp.DisplayName
			admin := isAdminRole(grp.DisplayName)
			if !grp.Plain() {
				it.Role, it.Org = snap.Roles[grp.Role].Name, snap.Orgs[grp.Org].Name
				admin = isAdminRole(it.Role)
			}
			if !u.Active {
				it.Hints |= tenant.HintInactive
			}
			if admin {
				it.Hints |= tenant.HintAdmin
			}
			if granted[tenant.ItemKey{UserID: u.ID, GroupID: grp.ID}] {
				it.Hints |= tenant.HintNew
			}
			direct, via := snap.Holds(int(k), int(g))
			for _, ug := range via {
				it.UserGroups = append(it.UserGroups, tenant.UserGroupRef{ID: snap.UserGroups[ug].ID, Name: snap.UserGroups[ug].Name})
			}
			it.ViaOnly = !direct
			if peers.IsOutlier(int(k), int(g)) {
				it.Hints |= tenant.HintOutlier
			}
			if snap.SoleAdmin(int(k), int(g)) {
				it.Hints |= tenant.HintSoleAdmin
			}
			out.Items = append(out.Items, it)
		}
		slices.SortFunc(out.Items[first:], func(a, b tenant.ReviewItem) int {
			for _, c := range [][2]string{{a.Role, b.Role}, {a.Org, b.Org}, {a.Group, b.Group}} {
				if x := strings.Compare(strings.ToLower(c[0]), strings.ToLower(c[1])); x != 0 {
					return x
				}
			}
			return strings.Compare(a.GroupID, b.GroupID)
		})
	}
	return out, nil
}

// StartReview freezes a new review's scope against the current snapshot
// (the previous one, when kept, marks recent grants). It needs no
// connection: it reads and writes the cache only.
func (s *Service) StartReview(ctx context.Context, name string, sc ReviewScope) (*tenant.Review, error) {
	snap, err := s.store.Load(ctx)
	if err != nil {
		return nil, err
	}
	if n := snap.Info.Dropped; n > 0 {
		return nil, fmt.Errorf("the current snapshot dropped %d users the tenant listed without an id or under another user's id, so a review of it would not cover them: fix their ids on the tenant and sync again", n)
	}
	prev, err := s.store.LoadPrevious(ctx)
	if err != nil && !errors.Is(err, cache.ErrNoPrevious) {
		return nil, err
	}
	scope, err := SelectScope(snap, prev, sc)
	if err != nil {
		return nil, err
	}
	if len(scope.Items) == 0 {
		return nil, fmt.Errorf("nothing to review: no membership matches (%s)", scope.Description)
	}
	if err := s.markNewSinceReview(ctx, scope); err != nil {
		return nil, err
	}
	actor := s.Actor
	if actor == "" {
		actor = cache.OSUser()
	}
	// A snapshot of a child organization's subtree says so in the scope,
	// which the review keeps and its evidence carries.
	desc := scope.Description
	if n := snap.Info.SubtreeNote(); n != "" {
		desc += "; the snapshot holds " + n
	}
	return s.store.StartReview(ctx, tenant.Review{
		Name: name, CreatedAt: s.now(), CreatedBy: actor, Profile: s.Profile,
		Tenant: snap.Info.Source, SnapshotID: snap.Info.ID, SnapshotAt: snap.Info.FinishedAt,
		Scope: desc,
	}, scope.Items)
}

// ---- evidence ----

// EvidenceColumns are the CSV export's columns, in order.
var EvidenceColumns = []string{
	"review", "user", "email", "user_id", "user_active", "role", "org", "group_id",
	"held", "user_groups", "last_login", "days_since_login", "hints", "suggestion",
	"decision", "note", "reviewer", "reviewer_reason", "decided_at", "apply_status", "applied_at", "apply_error",
	"snapshot_time", "tenant_url",
}

// PendingRevocations are the items ApplyReview would send: revoke
// decisions never applied, or whose last attempt failed.
func PendingRevocations(r *tenant.Review) []tenant.ReviewItem {
	var out []tenant.ReviewItem
	for i := range r.Items {
		if r.Items[i].Pending() {
			out = append(out, r.Items[i])
		}
	}
	return out
}

// UndecidedNote says, before an apply is confirmed, how many of r's items
// nobody has decided yet (applying leaves them as they are), so that an
// apply of a half-done review is a choice, not a surprise. "" when every
// item is decided.
func UndecidedNote(r *tenant.Review) string {
	n := r.Counts.Undecided
	if n == 0 {
		return ""
	}
	verb := "are"
	if n == 1 {
		verb = "is"
	}
	return fmt.Sprintf("%s of %s %s still undecided: applying leaves them as they are.",
		numfmt.Commas(n), numfmt.Count(r.Counts.Items, "item", "items"), verb)
}

// ReviewChange is the membership change that applies a revoke decision.
func ReviewChange(it *tenant.ReviewItem) Change {
	return Change{Grant: false, UserID: it.UserID, UserLabel: it.UserLabel, GroupID: it.GroupID, Group: it.Membership()}
}

// ReviewApplyOptions tune ApplyReview.
type ReviewApplyOptions struct {
	// Concurrency is how many revocations are in flight at once (default
	// 4; the client's pacing keeps the tenant's rate limit either way).
	Concurrency int
	// Progress is called after each item, serialized.
	Progress func(ReviewApplyProgress)
}

// ReviewApplyProgress reports one finished item.
type ReviewApplyProgress struct {
	Done, Total, Failed int
	Item                tenant.ReviewItem
	Plan                ItemRevoke // how it was revoked
	Err                 error      // nil when the revocation was applied
}

// ReviewApplyResult is what an ApplyReview run did.
type ReviewApplyResult struct {
	Total, Applied, Failed int
	Failures               []ReviewApplyProgress // in the review's order
}

// ApplyReview revokes every pending revoke decision of r through Apply (so
// each write has its audit row and its cache write-through) and records
// each item's result in the review as it finishes. Running it again retries
// only what failed. A cancelled ctx stops it cleanly: nothing new starts,
// writes in flight finish and are recorded; the error is ctx's.
func (s *Service) ApplyReview(ctx context.Context, r *tenant.Review, opt ReviewApplyOptions) (ReviewApplyResult, error) {
	todo := PendingRevocations(r)
	res := ReviewApplyResult{Total: len(todo)}
	if len(todo) == 0 {
		return res, nil
	}
	if s.Client == nil {
		return res, ErrOffline
	}
	snap, err := s.store.Load(ctx)
	if err != nil {
		return res, err
	}
	plans := PlanReviewRevokes(snap, todo)
	workers := opt.Concurrency
	if workers <= 0 {
		workers = 4
	}
	workers = min(workers, len(todo))
	var (
		mu       sync.Mutex
		next     int
		recErr   error
		failures = map[int]ReviewApplyProgress{}
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= len(todo) || ctx.Err() != nil || recErr != nil {
			return 0, false
		}
		next++
		return next - 1, true
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i, ok := take()
				if !ok {
					return
				}
				it := todo[i]
				err := s.applyRevoke(ctx, &plans[i])
				status, errText := tenant.Applied, ""
				if err != nil {
					status, errText = tenant.ApplyFailed, err.Error()
				}
				// Recorded even when ctx was cancelled meanwhile: the
				// server may have done it, and a re-run must know.
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				rerr := s.store.RecordApply(rctx, r.ID, it.Key(), status, errText, s.now())
				cancel()
				it.ApplyStatus, it.ApplyError = status, errText
				mu.Lock()
				if rerr != nil && recErr == nil {
					recErr = fmt.Errorf("recording the result of %s in the review: %w", ReviewChange(&it).Describe(), rerr)
				}
				p := ReviewApplyProgress{Total: len(todo), Item: it, Plan: plans[i], Err: err}
				if err != nil {
					res.Failed++
					failures[i] = p
				} else {
					res.Applied++
				}
				p.Done, p.Failed = res.Applied+res.Failed, res.Failed
				if opt.Progress != nil {
					opt.Progress(p)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for i := range todo {
		if f, ok := failures[i]; ok {
			res.Failures = append(res.Failures, f)
		}
	}
	aerr := s.auditReviewApply(ctx, r.Name, res)
	if recErr != nil {
		return res, recErr
	}
	if err := ctx.Err(); err != nil && res.Applied+res.Failed < res.Total {
		return res, fmt.Errorf("stopped after %d of %d revocations (run apply again to continue): %w", res.Applied+res.Failed, res.Total, err)
	}
	return res, aerr
}

// applyItem revokes one item; nil means the membership is gone on the
// server.
func (s *Service) applyItem(ctx context.Context, it *tenant.ReviewItem) error {
	out := s.Apply(ctx, ReviewChange(it))
	if out.Err == nil {
		return nil
	}
	// The server removed it but the current snapshot no longer lists the
	// user or group (a later sync): the revocation itself is done.
	if !out.Member && !out.Deleted && errors.Is(out.Err, cache.ErrNotInSnapshot) {
		return nil
	}
	if out.Deleted {
		return fmt.Errorf("%s no longer exists on the server: %w", it.UserLabel, out.Err)
	}
	return out.Err
}

// auditReviewApply adds one summary row to the audit log beside the
// per-revocation rows Apply wrote, naming the review they belong to.
func (s *Service) auditReviewApply(ctx context.Context, name string, res ReviewApplyResult) error {
	var err error
	if res.Failed > 0 || res.Applied < res.Total {
		err = fmt.Errorf("%d failed, %d not attempted", res.Failed, res.Total-res.Applied-res.Failed)
	}
	return s.audit(ctx, "review apply", "review "+name, fmt.Sprintf("%d of %d revocations applied", res.Applied, res.Total), err)
}

// withSubOrgs adds to the orgs picked (ok, names) every org under them in
// the organization tree, and says so in the description.
func withSubOrgs(snap *tenant.Snapshot, ok []bool, names *[]string, words *[]string, q string) error {
	if strings.TrimSpace(q) == "" {
		return errors.New("--with-suborgs needs --org: the organization whose sub-organizations to include")
	}
	tr := snap.OrgTree
	if tr == nil {
		return fmt.Errorf("--with-suborgs needs the organization tree: %s", snap.OrgTreeNote())
	}
	var top []string
	for o := range ok {
		if !ok[o] {
			continue
		}
		n := tr.NodeOfOrg(int32(o))
		if n < 0 {
			return fmt.Errorf("--with-suborgs: organization %q is not in the organization tree (`otaccess orgs` shows the tree and what did not join)", snap.Orgs[o].Name)
		}
		top = append(top, snap.Orgs[o].Name)
		for _, sub := range tr.OrgsUnder(n) {
			ok[sub] = true
		}
	}
	*names = (*names)[:0]
	for o := range ok {
		if ok[o] {
			*names = append(*names, snap.Orgs[o].Name)
		}
	}
	(*words)[len(*words)-1] = "org " + strings.Join(top, ", ") + " with its sub-organizations (" + numfmt.Count(len(*names), "organization", "organizations") + ": " + strings.Join(*names, ", ") + ")"
	return nil
}

// markNewSinceReview hints the items that the last review of the same
// scope (the same words) did not have: access granted since then.
func (s *Service) markNewSinceReview(ctx context.Context, scope *Scope) error {
	list, err := s.store.Reviews(ctx) // newest first
	if err != nil {
		return err
	}
	for _, r := range list {
		if r.Scope != scope.Description {
			continue
		}
		last, err := s.store.Review(ctx, r.Name)
		if err != nil {
			return err
		}
		had := make(map[tenant.ItemKey]bool, len(last.Items))
		for i := range last.Items {
			had[last.Items[i].Key()] = true
		}
		for i := range scope.Items {
			if it := &scope.Items[i]; !it.NoRole() && !had[it.Key()] {
				it.Hints |= tenant.HintNewSinceReview
			}
		}
		return nil
	}
	return nil
}
