package tenant

// Builder rebuilds a snapshot a store saved: the groups first, then each
// user's memberships by group id, then the users. The store keeps the
// users' sort order beside them (see SortOrder), so that a load need not
// sort 100k users again.
type Builder struct {
	snap  *Snapshot
	pairs []uint64
}

// NewBuilder starts a snapshot from its groups (decomposed and sorted here);
// memberships is a capacity hint.
func NewBuilder(info SyncInfo, groups []ReadGroup, memberships int) *Builder {
	b := &Builder{snap: &Snapshot{Info: info}, pairs: make([]uint64, 0, max(memberships, 0))}
	b.snap.setGroups(groups)
	return b
}

// Member records that the user at index user of the list Build is given
// holds group id. A group the snapshot lacks is ignored.
func (b *Builder) Member(user int, groupID string) {
	if g, ok := b.snap.groupByID[groupID]; ok {
		b.pairs = append(b.pairs, pair(int32(user), g))
	}
}

// Build completes the snapshot with users (their Groups unset), reordered
// by order, the sort permutation SortOrder gave for them, or sorted here
// when order is nil. Info's counts are set from the result.
func (b *Builder) Build(users []User, order []int32) *Snapshot {
	s := b.snap
	s.finishUsers(users, b.pairs, order)
	b.snap, b.pairs = nil, nil
	return s
}

// SortOrder is the permutation (sorted position -> index in users) that
// sorts users as a Snapshot holds them, for a store to save beside them.
// OrderVersion names the order: it changes whenever the order does, so
// that a permutation saved by an older otaccess is not used.
func SortOrder(users []User) []int32 { return sortUsers(users) }

// OrderVersion identifies the order SortOrder computes.
const OrderVersion = 1
