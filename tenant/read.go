package tenant

import "slices"

// The read types are what a sync (or a re-read of one user) learned from the
// tenant, before it becomes a Snapshot: memberships still by id, as the
// server names them. They carry no wire format: access converts the SCIM
// client's types into them, and the cache stores what they say.

// GroupRef is a user's reference to a group: the group's id and the name
// the server gave with it.
type GroupRef struct {
	ID, Name string
}

// ReadUser is a user as read: the model's fields and the groups the user
// names. Groups shadows User.Groups (indexes into a snapshot), which a read
// user does not have yet.
type ReadUser struct {
	User
	Groups []GroupRef
	// Stored says the user's fields are already in the snapshot being
	// written (cache.SnapshotWriter.AddUsers): only ID and Groups are
	// set, which is all a commit needs; the rest is read back from what
	// was written when the commit must rewrite the user.
	Stored bool
}

// StoredRef is u as a commit needs it once u's fields are written: its id
// and group references (see ReadUser.Stored).
func StoredRef(id string, groups []GroupRef) ReadUser {
	return ReadUser{User: User{ID: id}, Groups: groups, Stored: true}
}

// ReadRef is a user as a commit needs it once the user's fields are
// written (cache.SnapshotWriter.CommitRefs): its id and the groups it
// names. 40 bytes, where a ReadUser is 448: a sync of 100,000 users gave
// its commit 45 MB of ReadUsers that were all but their id and groups
// zero, live (and scanned by the collector) for the whole commit.
type ReadRef struct {
	ID     string
	Groups []GroupRef
}

// Ref is u's id and groups.
func (u *ReadUser) Ref() ReadRef { return ReadRef{ID: u.ID, Groups: u.Groups} }

// HasGroup reports whether u names group id.
func (u *ReadUser) HasGroup(id string) bool { return hasGroup(u.Groups, id) }

// HasGroup reports whether r names group id.
func (r *ReadRef) HasGroup(id string) bool { return hasGroup(r.Groups, id) }

func hasGroup(refs []GroupRef, id string) bool {
	for _, r := range refs {
		if r.ID == id {
			return true
		}
	}
	return false
}

// GroupIDs is u's non-empty group ids and extra, sorted and unique.
func (u *ReadUser) GroupIDs(extra []string) []string {
	gids := make([]string, 0, len(u.Groups)+len(extra))
	for _, ref := range u.Groups {
		if ref.ID != "" {
			gids = append(gids, ref.ID)
		}
	}
	gids = append(gids, extra...)
	slices.Sort(gids)
	return slices.Compact(gids)
}

// ReadGroup is a group as read. Members are the user ids the group lists
// (a server may leave them out: memberships come from the users' side).
type ReadGroup struct {
	ID           string
	DisplayName  string
	Category     string // OneTrust's category hint (see Decompose)
	Description  string
	LastModified string
	Members      []string
}

// SnapshotGroups is the groups a snapshot of users and groups holds: the
// first of each id in groups, then one made from the reference for each
// group only a user names (any user, duplicates included), so that no
// membership is lost.
func SnapshotGroups(users []ReadUser, groups []ReadGroup) []ReadGroup {
	return snapshotGroups(len(users), func(i int) []GroupRef { return users[i].Groups }, groups)
}

// RefGroups is SnapshotGroups for users given as refs.
func RefGroups(users []ReadRef, groups []ReadGroup) []ReadGroup {
	return snapshotGroups(len(users), func(i int) []GroupRef { return users[i].Groups }, groups)
}

// snapshotGroups is SnapshotGroups for n users, user i naming refs(i).
func snapshotGroups(n int, refs func(i int) []GroupRef, groups []ReadGroup) []ReadGroup {
	list := make([]ReadGroup, 0, len(groups))
	seen := make(map[string]bool, len(groups))
	for i := range groups {
		if !seen[groups[i].ID] {
			seen[groups[i].ID] = true
			list = append(list, groups[i])
		}
	}
	for i := range n {
		for _, ref := range refs(i) {
			if ref.ID != "" && !seen[ref.ID] {
				seen[ref.ID] = true
				list = append(list, ReadGroup{ID: ref.ID, DisplayName: ref.Name})
			}
		}
	}
	return list
}
