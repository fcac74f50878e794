package tenant

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

func compareUserKeys(nameA, nameB string, a, b *User) int {
	if c := compareFold(nameA, nameB); c != 0 {
		return c
	}
	if c := compareFold(a.Email, b.Email); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

func compareUsers(a, b *User) int { return compareUserKeys(a.Name(), b.Name(), a, b) }

// sortUsers returns the permutation (sorted position -> index in us) that
// sorts us in compareUsers order. Lowercased names and emails are computed
// once into one arena and compared bytewise: the byte order of lowercased
// UTF-8 is the order compareFold defines, and memcmp beats folding per
// comparison by a wide margin.
func sortUsers(us []User) []int32 {
	// Keys are folded once per user, not per comparison; each half of the
	// users is keyed and sorted on a core of its own, then the halves are
	// merged.
	type key struct{ name, email []byte }
	keys := make([]key, len(us))
	perm := make([]int32, len(us))
	cmp := func(a, b int32) int {
		if c := bytes.Compare(keys[a].name, keys[b].name); c != 0 {
			return c
		}
		if c := bytes.Compare(keys[a].email, keys[b].email); c != 0 {
			return c
		}
		return strings.Compare(us[a].ID, us[b].ID)
	}
	half := len(us) / 2
	if len(us) < 4096 {
		half = len(us) // not worth a goroutine
	}
	bounds := [][2]int{{0, half}, {half, len(us)}}
	parallel(len(bounds), func(h int) {
		lo, hi := bounds[h][0], bounds[h][1]
		var arena []byte
		for i := lo; i < hi; i++ {
			n := len(arena)
			arena = appendFold(arena, us[i].Name())
			e := len(arena)
			arena = appendFold(arena, us[i].Email)
			keys[i] = key{arena[n:e:e], arena[e:len(arena):len(arena)]} // still valid if arena moves on
			perm[i] = int32(i)
		}
		slices.SortFunc(perm[lo:hi], cmp)
	})
	if half == len(us) {
		return perm
	}
	out := make([]int32, 0, len(us))
	a, b := perm[:half], perm[half:]
	for len(a) > 0 && len(b) > 0 {
		if cmp(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// appendFold appends s with every rune lowercased as compareFold does
// (invalid bytes become U+FFFD, as DecodeRune reports them).
func appendFold(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		b = utf8.AppendRune(b, unicode.ToLower(r))
		i += n
	}
	return b
}

// permute reorders xs so that xs[pos] = old xs[perm[pos]], in place by
// following cycles: no second copy of 100k users.
func permute[T any](xs []T, perm []int32) {
	done := make([]bool, len(xs))
	for start := range xs {
		if done[start] || int(perm[start]) == start {
			done[start] = true
			continue
		}
		tmp := xs[start]
		pos := start
		for {
			from := int(perm[pos])
			done[pos] = true
			if from == start {
				xs[pos] = tmp
				break
			}
			xs[pos] = xs[from]
			pos = from
		}
	}
}
