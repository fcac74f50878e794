package access

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"
)

// Field names an attribute of a user that edit and create set.
type Field string

// The attributes OneTrust's PATCH /Users/{id} changes (besides active).
const (
	FieldGiven      Field = "given"
	FieldFamily     Field = "family"
	FieldTitle      Field = "title"
	FieldDepartment Field = "department"
	FieldManager    Field = "manager"
	FieldExternalID Field = "externalId"
	FieldUserType   Field = "userType"
)

// EditFields is every editable field, in the order confirmations list them.
var EditFields = []Field{FieldGiven, FieldFamily, FieldTitle, FieldDepartment, FieldManager, FieldExternalID, FieldUserType}

// scimPath is the PATCH path of a field: the core attribute, or the
// enterprise extension's for department and manager.
func (f Field) scimPath() string {
	switch f {
	case FieldGiven:
		return "name.givenName"
	case FieldFamily:
		return "name.familyName"
	case FieldDepartment:
		return client.SchemaEnterpriseUser + ":department"
	case FieldManager:
		return client.SchemaEnterpriseUser + ":manager"
	}
	return string(f)
}

// attr is the tenant.User attribute the field sets (the manager's id for
// manager).
func (f Field) attr() string {
	switch f {
	case FieldGiven:
		return tenant.AttrGivenName
	case FieldFamily:
		return tenant.AttrFamilyName
	case FieldTitle:
		return tenant.AttrTitle
	case FieldDepartment:
		return tenant.AttrDepartment
	case FieldManager:
		return tenant.AttrManagerID
	case FieldExternalID:
		return tenant.AttrExternalID
	case FieldUserType:
		return tenant.AttrUserType
	}
	return ""
}

// current is the field's value on u (the manager's user id for manager).
func (f Field) current(u *tenant.User) string { return u.Attr(f.attr()) }

// FieldChange is one attribute's value before and after an edit. For the
// manager the values are user ids and the labels say who they are.
type FieldChange struct {
	Field                   Field
	Before, After           string
	BeforeLabel, AfterLabel string // what to show ("" = the value itself)
}

func (c FieldChange) show(v, label string) string {
	if label != "" {
		return label
	}
	if v == "" {
		return "(none)"
	}
	return v
}

// Describe is "title: Counsel → Senior Counsel".
func (c FieldChange) Describe() string {
	return fmt.Sprintf("%s: %s → %s", c.Field, c.show(c.Before, c.BeforeLabel), c.show(c.After, c.AfterLabel))
}

// op is the PATCH operation that makes the field After: replace, or remove
// when it is emptied (a replace with "" would be sent as no value at all).
func (c FieldChange) op() client.PatchOperation {
	if c.After == "" {
		return client.PatchOperation{Op: "remove", Path: c.Field.scimPath()}
	}
	if c.Field == FieldManager {
		return client.PatchOperation{Op: "replace", Path: c.Field.scimPath(), Value: map[string]string{"value": c.After}}
	}
	return client.PatchOperation{Op: "replace", Path: c.Field.scimPath(), Value: c.After}
}

// Edit is a change of some of a user's attributes, planned on a snapshot:
// only the fields that change, sent as one PATCH of just those.
type Edit struct {
	UserID, UserLabel string
	Changes           []FieldChange
	// SnapshotModified is the user's meta.lastModified in the snapshot the
	// edit was planned on: the edit stops when the server's differs.
	SnapshotModified string
}

// Empty reports an edit that changes nothing.
func (e Edit) Empty() bool { return len(e.Changes) == 0 }

// Request is the PATCH the edit sends, for confirmations and the audit log.
func (e Edit) Request() string {
	parts := make([]string, len(e.Changes))
	for i, c := range e.Changes {
		parts[i] = c.op().Op + " " + c.op().Path
	}
	return "PATCH /Users/" + e.UserID + " (" + strings.Join(parts, ", ") + ")"
}

// PlanEdit compares want (the fields given; absent ones are not touched)
// with user u of snap. A manager is given as anything Lookup resolves to
// one user (id, email, userName); "" clears it.
func PlanEdit(snap *tenant.Snapshot, u int, want map[Field]string) (Edit, error) {
	usr := &snap.Users[u]
	e := Edit{UserID: usr.ID, UserLabel: usr.Label(), SnapshotModified: usr.LastModified}
	for _, f := range EditFields {
		v, ok := want[f]
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if f == FieldUserType {
			v = NormalUserType(v)
		}
		if err := ValidField(f, v); err != nil {
			return Edit{}, err
		}
		c := FieldChange{Field: f, Before: f.current(usr), After: v}
		if f == FieldManager {
			if v != "" {
				m, err := ResolveUser(snap, v)
				if err != nil {
					return Edit{}, fmt.Errorf("manager: %w", err)
				}
				if m == u {
					return Edit{}, errors.New("manager: a user cannot be their own manager")
				}
				c.After, c.AfterLabel = snap.Users[m].ID, snap.Users[m].Label()
			}
			c.BeforeLabel = managerLabel(snap, usr)
		}
		if c.After != c.Before {
			e.Changes = append(e.Changes, c)
		}
	}
	return e, nil
}

// managerLabel names u's manager: their label when cached, else the name
// the server gave, else the id.
func managerLabel(snap *tenant.Snapshot, u *tenant.User) string {
	if u.ManagerID == "" {
		return ""
	}
	if i, ok := snap.UserIndex(u.ManagerID); ok {
		return snap.Users[i].Label()
	}
	if u.ManagerName != "" {
		return u.ManagerName
	}
	return u.ManagerID
}

// ResolveUser is the one user of snap that q (id, email or userName) names.
func ResolveUser(snap *tenant.Snapshot, q string) (int, error) {
	hits := snap.Lookup(q)
	switch len(hits) {
	case 0:
		return 0, fmt.Errorf("no user matches %q (give an id, email or userName)", q)
	case 1:
		return hits[0], nil
	}
	names := make([]string, 0, len(hits))
	for _, h := range hits {
		names = append(names, snap.Users[h].ID+" ("+snap.Users[h].Label()+")")
	}
	return 0, fmt.Errorf("%q matches %d users: %s; use the id", q, len(hits), strings.Join(names, ", "))
}

// ErrConflict is an edit refused because the user changed on the server
// since the snapshot it was planned on: what the operator saw is not what
// the PATCH would change.
var ErrConflict = errors.New("the user changed on the server since the snapshot")

// EditResult is what an edit did.
type EditResult struct {
	User  *tenant.ReadUser // the user as the server has it afterwards (nil: unknown)
	Notes []string
	Err   error
}

// Edit sends the edit after the conflict check: the user is re-read and
// its meta.lastModified compared with the snapshot's (OneTrust has no
// ETag); when it differs nothing is sent, the cache takes the server's
// version and the result is ErrConflict. Otherwise one PATCH of just the
// changed fields, one audit row, and a re-read that checks each field and
// puts the user in the cache.
func (s *Service) Edit(ctx context.Context, e Edit) EditResult {
	if s.Client == nil {
		return EditResult{Err: ErrOffline}
	}
	if e.Empty() {
		return EditResult{Err: errors.New("nothing to change")}
	}
	defer s.users.lock(e.UserID)()
	before, err := s.checkUnchanged(ctx, e.UserID, e.UserLabel, e.SnapshotModified)
	if err != nil {
		if errors.Is(err, ErrConflict) {
			if aerr := s.audit(ctx, "edit", e.UserLabel, e.Request(), err); aerr != nil {
				err = errors.Join(err, aerr)
			}
		}
		return EditResult{User: before, Err: err}
	}
	ops := make([]client.PatchOperation, len(e.Changes))
	for i, c := range e.Changes {
		ops[i] = c.op()
	}
	_, err = s.Client.PatchUser(ctx, e.UserID, ops...)
	var res EditResult
	if IsNotSent(err) {
		err = notSent(err)
	}
	if err != nil && uncertain(err) {
		u, _, rerr := s.reread(ctx, e.UserID)
		switch {
		case u != nil && len(editMismatches(e, u)) == 0:
			err = nil // applied; only the answer was lost
		case u == nil && rerr != nil:
			err = unsettled("edit", err, rerr)
		}
	}
	u, deleted, rerr := s.reread(ctx, e.UserID)
	res.User, res.Err = u, err
	switch {
	case deleted:
		res.Notes = append(res.Notes, e.UserLabel+" is gone from the server; removed from the cache")
	case rerr != nil:
		res.Notes = append(res.Notes, fmt.Sprintf("re-reading %s after the edit failed (%v): the cache may not match the server; run `otaccess sync`", e.UserLabel, rerr))
	case err == nil && u != nil:
		if bad := editMismatches(e, u); len(bad) > 0 {
			res.Err = fmt.Errorf("the server answered success but the re-read shows %s; the cache now matches the server", strings.Join(bad, ", "))
		}
	}
	// The audit row, with the edit journaled once it is known to be on the
	// server: a sync that read the user before it does not undo it.
	var done *cache.Write
	if res.Err == nil && !deleted {
		done = e.journaled(u)
	}
	_, aerr := s.record(ctx, done, s.auditEntry("edit", e.UserLabel, e.Request(), res.Err))
	if aerr != nil && !errors.Is(aerr, cache.ErrNotInSnapshot) {
		res.Notes = append(res.Notes, "audit log: "+aerr.Error())
	}
	return res
}

// journaled is the edit as the write journal keeps it: the fields it set,
// as the re-read user u holds them (with what goes with them: the
// manager's name, the display name, lastModified), or as sent when the
// re-read failed (u nil).
func (e Edit) journaled(u *tenant.ReadUser) *cache.Write {
	w := &cache.Write{Kind: cache.WriteAttrs, UserID: e.UserID, Attrs: map[string]string{}}
	for _, c := range e.Changes {
		w.Attrs[c.Field.attr()] = c.After
		if u == nil {
			continue
		}
		switch c.Field {
		case FieldManager:
			w.Attrs[tenant.AttrManagerName] = u.ManagerName
		case FieldGiven, FieldFamily:
			w.Attrs[tenant.AttrDisplayName] = u.DisplayName
		}
	}
	if u != nil && u.LastModified != "" {
		w.Attrs[tenant.AttrLastModified] = u.LastModified
	}
	return w
}

// editMismatches lists the fields of e the read user does not hold as asked.
func editMismatches(e Edit, u *tenant.ReadUser) []string {
	var bad []string
	for _, c := range e.Changes {
		if got := c.Field.current(&u.User); got != c.After {
			bad = append(bad, fmt.Sprintf("%s %q", c.Field, got))
		}
	}
	return bad
}

// checkUnchanged re-reads the user and compares its meta.lastModified with
// the snapshot's. A changed user is put in the cache as the server has it
// and ErrConflict returned (with what changed); a gone one is removed.
// Caller holds the user's lock.
func (s *Service) checkUnchanged(ctx context.Context, id, label, snapModified string) (*tenant.ReadUser, error) {
	mark, err := s.store.Mark(ctx)
	if err != nil {
		return nil, err
	}
	wire, err := s.Client.GetUser(ctx, id)
	if client.IsNotFound(err) {
		if derr := s.store.DeleteUser(ctx, id); derr != nil {
			return nil, fmt.Errorf("%s no longer exists on the server, but removing it from the cache failed (%v): run `otaccess sync`", label, derr)
		}
		return nil, fmt.Errorf("%s no longer exists on the server; removed from the cache", label)
	}
	if err != nil {
		return nil, err
	}
	u := readUser(wire)
	if snapModified == "" || u.LastModified == "" || u.LastModified == snapModified {
		return &u, nil
	}
	if perr := s.store.PutUser(ctx, u, mark); perr != nil && !errors.Is(perr, cache.ErrNotInSnapshot) {
		return &u, fmt.Errorf("%w (lastModified %s, snapshot had %s), and updating the cache failed: %v", ErrConflict, u.LastModified, snapModified, perr)
	}
	return &u, fmt.Errorf("%w: %s was modified at %s, the snapshot has %s; nothing was sent, the cache now holds the server's version: look again and retry",
		ErrConflict, label, u.LastModified, snapModified)
}

// Activate sets active: true on the user (PATCH active=true), journaled
// and audited as deactivation is, then re-reads the user into the cache.
func (s *Service) Activate(ctx context.Context, userID, label string) (*tenant.ReadUser, error) {
	if s.Client == nil {
		return nil, ErrOffline
	}
	defer s.users.lock(userID)()
	return s.activate(ctx, userID, label, "")
}

// activate is Activate with the user locked; run tags its audit row.
func (s *Service) activate(ctx context.Context, userID, label, run string) (*tenant.ReadUser, error) {
	p := Plan{UserID: userID, UserLabel: label}
	detail := "PATCH /Users/" + userID + " active=true" + runSuffix(run)
	err := s.userWrite(ctx, p, "activate", detail,
		&cache.Write{Kind: cache.WriteActive, UserID: userID, Value: true},
		func() error { _, err := s.Client.SetActive(ctx, userID, true); return err },
		func(u *tenant.ReadUser, _ bool) bool { return u != nil && u.Active })
	u, _, rerr := s.reread(ctx, userID)
	if err == nil && rerr == nil && u != nil && !u.Active {
		err = errors.New("the server answered success but the re-read shows the user still inactive; the cache now matches the server")
	}
	return u, err
}

// runSuffix tags an audit detail with the run (a deprovisioning, a
// restore) the write was part of.
func runSuffix(run string) string {
	if run == "" {
		return ""
	}
	return " · " + run
}
