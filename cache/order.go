package cache

import (
	"context"
	"encoding/binary"
	"hash/fnv"
)

// A snapshot's sort order is stored with it (snapshots.user_order), so
// that opening the cache does not sort 100k users every time. The sync's
// housekeeping (tidy) computes it once per snapshot; Load uses it only
// when it still holds, and sorts otherwise.
//
// The stored value is a fingerprint of every field the sort reads, user
// by user in storage order, then the order itself. A write since (a user
// added, removed or renamed) changes the fingerprint. Checking it costs a
// hash of the users' names rather than a comparison per user.

// orderVersion changes whenever compareUsers orders users differently, so
// that orders stored by an older otaccess are not trusted.
const orderVersion = 1

// sortFingerprint hashes the fields compareUsers reads, for each half of
// users on a core of its own.
func sortFingerprint(users []User) [2]uint64 {
	var out [2]uint64
	bounds := [2][2]int{{0, len(users) / 2}, {len(users) / 2, len(users)}}
	parallel(2, func(h int) {
		f := fnv.New64a()
		var sep = []byte{0}
		_, _ = f.Write([]byte{orderVersion})
		for i := bounds[h][0]; i < bounds[h][1]; i++ {
			u := &users[i]
			for _, s := range [...]string{u.ID, u.DisplayName, u.GivenName, u.FamilyName, u.UserName, u.Email} {
				_, _ = f.Write([]byte(s))
				_, _ = f.Write(sep)
			}
		}
		out[h] = f.Sum64()
	})
	return out
}

// encodeOrder is the stored value for perm, the sort order of users.
func encodeOrder(users []User, perm []int32) []byte {
	b := make([]byte, 16, 16+4*len(perm))
	fp := sortFingerprint(users)
	binary.LittleEndian.PutUint64(b[0:], fp[0])
	binary.LittleEndian.PutUint64(b[8:], fp[1])
	for _, k := range perm {
		b = binary.LittleEndian.AppendUint32(b, uint32(k))
	}
	return b
}

// storedOrder is the order b stores for users, or nil when it does not
// hold for them (or b is damaged).
func storedOrder(b []byte, users []User) []int32 {
	n := len(users)
	if len(b) != 16+4*n || n == 0 {
		return nil
	}
	fp := sortFingerprint(users)
	if binary.LittleEndian.Uint64(b[0:]) != fp[0] || binary.LittleEndian.Uint64(b[8:]) != fp[1] {
		return nil
	}
	perm := make([]int32, n)
	seen := make([]bool, n)
	for i := range perm {
		k := binary.LittleEndian.Uint32(b[16+4*i:])
		if k >= uint32(n) || seen[k] {
			return nil
		}
		seen[k] = true
		perm[i] = int32(k)
	}
	return perm
}

// saveUserOrder stores the sort order of snapshot snap's users.
func (s *Store) saveUserOrder(ctx context.Context, snap int64) error {
	users, _, err := readUsers(ctx, s.db, snap)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE snapshots SET user_order = ? WHERE id = ?`, encodeOrder(users, sortUsers(users)), snap)
	return err
}
