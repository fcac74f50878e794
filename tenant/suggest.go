package tenant

import (
	"cmp"
	"slices"
	"strings"
)

// Suggestions for a name that matched nothing (a role:, org: or group:
// filter value, a user on the command line): the names closest to it by
// edit distance, so a typo gets an answer instead of an empty result.

// nearDistance is the edit distance from pat to the closest substring of
// text (Sellers' algorithm): a value matches by "contains", so "auditr"
// is 1 from "Auditor" and "privcy" 1 from "Data Privacy Officer". Both are
// lowercase; distances count bytes, which is enough to rank suggestions.
func nearDistance(pat, text string) int {
	if pat == "" {
		return 0
	}
	prev := make([]int, len(pat)+1)
	cur := make([]int, len(pat)+1)
	for i := range prev {
		prev[i] = i
	}
	best := prev[len(pat)]
	for j := 0; j < len(text); j++ {
		cur[0] = 0 // a match may start anywhere in text
		for i := 1; i <= len(pat); i++ {
			cost := 1
			if pat[i-1] == text[j] {
				cost = 0
			}
			cur[i] = min(prev[i-1]+cost, prev[i]+1, cur[i-1]+1)
		}
		best = min(best, cur[len(pat)])
		prev, cur = cur, prev
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j-1]+cost, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// tolerance is how many edits a value of n bytes may be from a name to be
// suggested: one per three bytes, at least one.
func tolerance(n int) int { return max(1, n/3) }

// Closest returns up to n of names closest to v (case-insensitive): those
// within a few edits of a part of the name, nearest first, then shortest.
func Closest(v string, names []string, n int) []string {
	lv := strings.ToLower(strings.TrimSpace(v))
	if lv == "" {
		return nil
	}
	type cand struct {
		name       string
		near, full int
	}
	var cs []cand
	seen := map[string]bool{}
	for _, name := range names {
		ln := strings.ToLower(name)
		if seen[ln] {
			continue
		}
		seen[ln] = true
		if d := nearDistance(lv, ln); d <= tolerance(len(lv)) {
			cs = append(cs, cand{name, d, editDistance(lv, ln)})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		return cmp.Or(cmp.Compare(a.near, b.near), cmp.Compare(a.full, b.full), strings.Compare(a.name, b.name))
	})
	out := make([]string, 0, min(n, len(cs)))
	for _, c := range cs[:min(n, len(cs))] {
		out = append(out, c.name)
	}
	return out
}

// LookupName finds users whose name (display name, else given and family
// name) is q, ignoring case and surrounding spaces: people name a user as
// they see them, and a unique name is as good as an email.
func (s *Snapshot) LookupName(q string) []int {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil
	}
	var out []int
	for i := range s.Users {
		if strings.EqualFold(strings.TrimSpace(s.Users[i].Name()), q) {
			out = append(out, i)
		}
	}
	return out
}

// SuggestUsers returns up to n users whose email, userName or name is
// closest to q (for "no user matches q"), nearest first.
func (s *Snapshot) SuggestUsers(q string, n int) []int {
	lq := strings.ToLower(strings.TrimSpace(q))
	if lq == "" || n <= 0 {
		return nil
	}
	type cand struct{ user, near, full int }
	var cs []cand
	tol := tolerance(len(lq))
	for i := range s.Users {
		u := &s.Users[i]
		best := cand{user: i, near: tol + 1}
		for _, f := range [3]string{u.Email, u.UserName, u.Name()} {
			if f == "" {
				continue
			}
			lf := strings.ToLower(f)
			if d := nearDistance(lq, lf); d < best.near || d == best.near && editDistance(lq, lf) < best.full {
				best.near, best.full = d, editDistance(lq, lf)
			}
		}
		if best.near <= tol {
			cs = append(cs, best)
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		return cmp.Or(cmp.Compare(a.near, b.near), cmp.Compare(a.full, b.full), cmp.Compare(a.user, b.user))
	})
	out := make([]int, 0, min(n, len(cs)))
	for _, c := range cs[:min(n, len(cs))] {
		out = append(out, c.user)
	}
	return out
}
