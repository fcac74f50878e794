package access

import (
	"context"
	"fmt"
	"slices"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"
)

// ApplyVerified is Apply with the checks DESIGN.md asks for when latency does
// not matter (the CLI): OneTrust has no ETag, so the user is re-read first
// and its meta.lastModified compared with the snapshot's; after the PATCH it
// is re-read again to check that only the intended membership changed. Three
// requests instead of one; the cache ends up holding the server's view.
func (s *Service) ApplyVerified(ctx context.Context, ch Change) Outcome {
	if s.Client == nil {
		return Outcome{Change: ch, Member: !ch.Grant, Err: ErrOffline}
	}
	defer s.users.lock(ch.UserID)()
	mark, err := s.store.Mark(ctx)
	if err != nil {
		return Outcome{Change: ch, Member: !ch.Grant, Err: err}
	}
	wire, err := s.Client.GetUser(ctx, ch.UserID)
	if client.IsNotFound(err) {
		if derr := s.store.DeleteUser(ctx, ch.UserID); derr != nil {
			return Outcome{Change: ch, Deleted: true, Err: fmt.Errorf("%s no longer exists on the server, but removing it from the cache failed (%v): run `otaccess sync`", ch.UserLabel, derr)}
		}
		return Outcome{Change: ch, Deleted: true, Err: fmt.Errorf("%s no longer exists on the server; removed from the cache", ch.UserLabel)}
	}
	if IsNotSent(err) {
		// The read before the write could not connect: the write was not
		// sent either.
		return Outcome{Change: ch, Member: !ch.Grant, Err: notSent(err)}
	}
	if err != nil {
		return Outcome{Change: ch, Member: !ch.Grant, Err: err}
	}
	before := readUser(wire)
	var notes []string
	noOp := before.HasGroup(ch.GroupID) == ch.Grant
	if ch.SnapshotModified != "" && before.LastModified != "" && before.LastModified != ch.SnapshotModified {
		notes = append(notes, fmt.Sprintf("%s changed on the server since the snapshot (lastModified %s, snapshot had %s); the cache now holds the server's version",
			ch.UserLabel, before.LastModified, ch.SnapshotModified))
	}
	// The cache takes the server's version when it is stale, and when there
	// is nothing to send (the snapshot may say otherwise); one write either way.
	if len(notes) > 0 || noOp {
		if err := s.store.PutUser(ctx, before, mark); err != nil {
			return Outcome{Change: ch, Member: before.HasGroup(ch.GroupID), Notes: notes, Err: err}
		}
	}
	if noOp {
		return Outcome{Change: ch, Member: ch.Grant, NoOp: true, Reread: &before, Notes: notes}
	}
	out := s.apply(ctx, ch)
	out.Notes = append(notes, out.Notes...)
	if out.Err != nil || out.Reread != nil {
		return out
	}
	if mark, err = s.store.Mark(ctx); err != nil {
		out.Notes = append(out.Notes, "could not re-read the user to verify: "+err.Error())
		return out
	}
	wire, err = s.Client.GetUser(ctx, ch.UserID)
	if err != nil {
		out.Notes = append(out.Notes, "could not re-read the user to verify: "+err.Error())
		return out
	}
	after := readUser(wire)
	out.Reread, out.Member = &after, after.HasGroup(ch.GroupID)
	if err := s.store.PutUser(ctx, after, mark); err != nil {
		out.Err = err
		return out
	}
	if out.Member != ch.Grant {
		out.Err = fmt.Errorf("the server answered success but the re-read shows the membership unchanged; the cache now matches the server")
	}
	if unexpected := otherChanges(&before, &after, ch.GroupID); len(unexpected) > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("other memberships of %s changed at the same time: %v", ch.UserLabel, unexpected))
	}
	return out
}

// otherChanges lists group ids whose membership differs between before and
// after, ignoring the group that was meant to change.
func otherChanges(before, after *tenant.ReadUser, changed string) []string {
	ids := func(u *tenant.ReadUser) []string {
		out := make([]string, 0, len(u.Groups))
		for _, g := range u.Groups {
			if g.ID != changed {
				out = append(out, g.ID)
			}
		}
		slices.Sort(out)
		return out
	}
	b, a := ids(before), ids(after)
	var diff []string
	for _, id := range b {
		if _, ok := slices.BinarySearch(a, id); !ok {
			diff = append(diff, "-"+id)
		}
	}
	for _, id := range a {
		if _, ok := slices.BinarySearch(b, id); !ok {
			diff = append(diff, "+"+id)
		}
	}
	return diff
}
