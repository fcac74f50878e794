package tenant

import (
	"slices"
	"strings"
)

// Finder resolves many user identifiers at once (a leavers file of
// thousands of lines against 100k users): an id, email, userName,
// externalId or employee number, ignoring case and surrounding spaces.
// Lookup scans every user per query; a batch builds this map once.
type Finder struct {
	s    *Snapshot
	keys map[string][]int32
}

// NewFinder indexes s's users by every identifier they carry. An
// identifier two users share (one's externalId another's employee number)
// finds both, so the caller can say it is ambiguous.
func (s *Snapshot) NewFinder() *Finder {
	f := &Finder{s: s, keys: make(map[string][]int32, 3*len(s.Users))}
	for i := range s.Users {
		u := &s.Users[i]
		seen := [5]string{}
		for k, id := range [5]string{u.ID, u.Email, u.UserName, u.ExternalID, u.EmployeeID} {
			key := strings.ToLower(strings.TrimSpace(id))
			if key == "" || slices.Contains(seen[:k], key) {
				continue
			}
			seen[k] = key
			f.keys[key] = append(f.keys[key], int32(i))
		}
	}
	return f
}

// Find returns the users q identifies, ascending.
func (f *Finder) Find(q string) []int {
	hits := f.keys[strings.ToLower(strings.TrimSpace(q))]
	out := make([]int, len(hits))
	for i, h := range hits {
		out[i] = int(h)
	}
	return out
}
