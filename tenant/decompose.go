package tenant

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// nameSep separates the role and the organization in a OneTrust group's
// displayName ("{Role} - {Organization}"). Either side may contain it too.
const nameSep = " - "

// SplitGroupID splits a OneTrust group id "roleId:orgId". ok is false for
// anything else (no colon, several colons, an empty side): such a group is a
// plain SCIM group.
func SplitGroupID(id string) (roleID, orgID string, ok bool) {
	i := strings.IndexByte(id, ':')
	if i <= 0 || i == len(id)-1 || strings.IndexByte(id[i+1:], ':') >= 0 {
		return "", "", false
	}
	return id[:i], id[i+1:], true
}

// Decomposition is the role x organization structure inferred from groups.
type Decomposition struct {
	Roles []Role // sorted by name (case-insensitive), then id
	Orgs  []Org  // sorted by name (case-insensitive), then id
	// GroupRole and GroupOrg index Roles and Orgs for each input group, or
	// are -1 for a plain group.
	GroupRole []int32
	GroupOrg  []int32
}

// Decompose infers roles and organizations from groups.
//
// Identity comes from the ids (stable); names come from the displayNames. A
// displayName is a list of " - "-separated segments; the role takes a prefix
// and the organization the rest. Each role has one segment count s_r and
// each org one count t_o, and every group g of (r, o) with k_g segments
// requires s_r + t_o = k_g. The longest common prefix of a role's names (and
// the longest common suffix of an org's names) bounds s_r (t_o) from above.
// Each connected component of the role-org graph then has one degree of
// freedom, which is chosen by: agreeing with the common prefix/suffix of
// roles/orgs seen in >= 2 groups (reliable), then the category hint (known
// to be wrong sometimes, so only a tie-breaker), then the shortest role (a
// split at the first " - "). Components whose names contradict each other
// fall back to per-role/per-org votes, and finally to the ids.
func Decompose(groups []ReadGroup) Decomposition {
	d := decomposer{}
	return d.run(groups)
}

type dgroup struct {
	segs     []string
	role     int // internal role index, -1 for a plain group
	org      int // internal org index
	category string
	display  string
}

// dvar is one unknown: a role's or an org's segment count.
type dvar struct {
	id       string
	isRole   bool
	groups   []int // dgroup indexes
	partners int   // distinct counterparts (orgs of a role, roles of an org)
	hi       int   // upper bound: common prefix/suffix length, leaving >= 1 segment to the other side
	multi    bool  // seen with >= 2 counterparts: hi is the reliable value
	comp     int   // component id, -1 when not in any
	a, c     int   // value = a*x + c within the component
	val      int   // chosen segment count, 0 when unresolved
	name     string
}

type decomposer struct {
	groups []dgroup
	vars   []dvar // roles first, then orgs
	nRoles int
}

func (d *decomposer) run(in []ReadGroup) Decomposition {
	roleIdx := map[string]int{}
	orgIdx := map[string]int{}
	var roleVars, orgVars []dvar
	d.groups = make([]dgroup, len(in))
	for i := range in {
		g := &in[i]
		dg := dgroup{role: -1, org: -1, display: g.DisplayName, category: strings.TrimSpace(g.Category)}
		if rid, oid, ok := SplitGroupID(g.ID); ok {
			r, seen := roleIdx[rid]
			if !seen {
				r = len(roleVars)
				roleIdx[rid] = r
				roleVars = append(roleVars, dvar{id: rid, isRole: true})
			}
			o, seen := orgIdx[oid]
			if !seen {
				o = len(orgVars)
				orgIdx[oid] = o
				orgVars = append(orgVars, dvar{id: oid})
			}
			dg.role, dg.org = r, o
			dg.segs = strings.Split(g.DisplayName, nameSep)
		}
		d.groups[i] = dg
	}
	d.nRoles = len(roleVars)
	d.vars = append(roleVars, orgVars...)
	for i := range d.groups {
		g := &d.groups[i]
		if g.role < 0 {
			continue
		}
		g.org += d.nRoles // orgs live after roles in d.vars
		d.vars[g.role].groups = append(d.vars[g.role].groups, i)
		d.vars[g.org].groups = append(d.vars[g.org].groups, i)
	}
	for v := range d.vars {
		d.bounds(v)
	}
	d.solveComponents()
	d.fallbackNames()
	return d.result()
}

// bounds computes hi (the common prefix/suffix length, capped so the other
// side keeps a segment) and whether the variable has >= 2 counterparts.
func (d *decomposer) bounds(v int) {
	dv := &d.vars[v]
	seen := map[int]bool{}
	var ref []string
	hi := -1
	for _, gi := range dv.groups {
		g := &d.groups[gi]
		other := g.org
		if !dv.isRole {
			other = g.role
		}
		seen[other] = true
		k := len(g.segs)
		if k < 2 {
			continue // no separator: says nothing about the split
		}
		if ref == nil {
			ref = g.segs
			hi = k - 1
			continue
		}
		common := 0
		if dv.isRole {
			for common < len(ref) && common < k && ref[common] == g.segs[common] {
				common++
			}
		} else {
			for common < len(ref) && common < k && ref[len(ref)-1-common] == g.segs[k-1-common] {
				common++
			}
		}
		hi = min(hi, common, k-1)
	}
	dv.partners = len(seen)
	dv.multi = dv.partners >= 2
	dv.hi = max(hi, 0)
	dv.comp = -1
}

// valid reports whether the variable can take part in the constraints.
func (d *decomposer) valid(v int) bool { return d.vars[v].hi >= 1 }

func (d *decomposer) edge(gi int) bool {
	g := &d.groups[gi]
	return g.role >= 0 && len(g.segs) >= 2 && d.valid(g.role) && d.valid(g.org)
}

func (d *decomposer) solveComponents() {
	comp := 0
	// Roots: roles first, so that x is a role length whenever the
	// component has a role.
	for root := range d.vars {
		if d.vars[root].comp >= 0 || !d.valid(root) {
			continue
		}
		members := []int{root}
		d.vars[root].comp, d.vars[root].a, d.vars[root].c = comp, 1, 0
		consistent := true
		for q := 0; q < len(members); q++ {
			v := members[q]
			dv := &d.vars[v]
			for _, gi := range dv.groups {
				if !d.edge(gi) {
					continue
				}
				g := &d.groups[gi]
				k := len(g.segs)
				other := g.org
				if !dv.isRole {
					other = g.role
				}
				ov := &d.vars[other]
				if ov.comp < 0 {
					ov.comp, ov.a, ov.c = comp, -dv.a, k-dv.c
					members = append(members, other)
				} else if ov.c+dv.c != k {
					consistent = false // two groups disagree on the split
				}
			}
		}
		if consistent {
			d.choose(members)
		}
		comp++
	}
}

// choose picks x for a consistent component and names its variables.
func (d *decomposer) choose(members []int) {
	lo, hi := -1<<30, 1<<30
	for _, v := range members {
		dv := &d.vars[v]
		if dv.a > 0 {
			lo, hi = max(lo, 1-dv.c), min(hi, dv.hi-dv.c)
		} else {
			lo, hi = max(lo, dv.c-dv.hi), min(hi, dv.c-1)
		}
	}
	if lo > hi {
		return // no split satisfies every bound: fall back
	}
	rootIsRole := d.vars[members[0]].isRole
	best, bestRel, bestCat := 0, -1, -1
	for x := lo; x <= hi; x++ {
		rel, cat := 0, 0
		for _, v := range members {
			dv := &d.vars[v]
			val := dv.a*x + dv.c
			if dv.multi && val == dv.hi {
				rel++
			}
			if dv.isRole {
				continue
			}
			for _, gi := range dv.groups {
				g := &d.groups[gi]
				if g.category != "" && len(g.segs) >= 2 && val < len(g.segs) &&
					strings.EqualFold(strings.TrimSpace(strings.Join(g.segs[len(g.segs)-val:], nameSep)), g.category) {
					cat++
				}
			}
		}
		// Ties go to the shortest role: x grows with role length when the
		// root is a role, and with org length otherwise.
		better := rel > bestRel || rel == bestRel && cat > bestCat
		if !rootIsRole && rel == bestRel && cat == bestCat {
			better = true
		}
		if better {
			best, bestRel, bestCat = x, rel, cat
		}
	}
	for _, v := range members {
		dv := &d.vars[v]
		dv.val = dv.a*best + dv.c
		g := &d.groups[d.firstSplittable(v)]
		if dv.isRole {
			dv.name = strings.Join(g.segs[:dv.val], nameSep)
		} else {
			dv.name = strings.Join(g.segs[len(g.segs)-dv.val:], nameSep)
		}
	}
}

func (d *decomposer) firstSplittable(v int) int {
	for _, gi := range d.vars[v].groups {
		if len(d.groups[gi].segs) >= 2 {
			return gi
		}
	}
	return -1 // unreachable for valid variables
}

// fallbackNames names what the component solution left unresolved.
func (d *decomposer) fallbackNames() {
	// A reliable common prefix/suffix stands on its own.
	for v := range d.vars {
		dv := &d.vars[v]
		if dv.name != "" || dv.val != 0 || !dv.multi || !d.valid(v) {
			continue
		}
		g := &d.groups[d.firstSplittable(v)]
		dv.val = dv.hi
		if dv.isRole {
			dv.name = strings.Join(g.segs[:dv.hi], nameSep)
		} else {
			dv.name = strings.Join(g.segs[len(g.segs)-dv.hi:], nameSep)
		}
	}
	// Then each role votes over its groups, using a known org name to cut
	// the displayName, else the first " - ".
	for v := 0; v < d.nRoles; v++ {
		dv := &d.vars[v]
		if dv.val != 0 {
			continue
		}
		votes := map[string]int{}
		for _, gi := range dv.groups {
			g := &d.groups[gi]
			on := d.vars[g.org].name
			switch {
			case d.vars[g.org].val != 0 && strings.HasSuffix(g.display, nameSep+on) && len(g.display) > len(nameSep+on):
				votes[strings.TrimSuffix(g.display, nameSep+on)] += 2
			case len(g.segs) >= 2:
				votes[g.segs[0]]++
			case g.display != "":
				votes[g.display]++
			}
		}
		dv.name = vote(votes)
		dv.val = -1 // resolved, by vote
	}
	for v := d.nRoles; v < len(d.vars); v++ {
		dv := &d.vars[v]
		if dv.val != 0 {
			continue
		}
		votes := map[string]int{}
		for _, gi := range dv.groups {
			g := &d.groups[gi]
			rn := d.vars[g.role].name
			switch {
			case rn != "" && strings.HasPrefix(g.display, rn+nameSep) && len(g.display) > len(rn+nameSep):
				votes[strings.TrimPrefix(g.display, rn+nameSep)] += 2
			case len(g.segs) >= 2:
				votes[strings.Join(g.segs[1:], nameSep)]++
			case g.category != "":
				votes[g.category]++ // last resort: category is only a hint
			}
		}
		dv.name = vote(votes)
		dv.val = -1
	}
}

// vote returns the most voted non-blank name; ties go to the smallest, so the
// result does not depend on input order.
func vote(votes map[string]int) string {
	best, n := "", 0
	for s, c := range votes {
		if strings.TrimSpace(s) == "" {
			continue
		}
		if c > n || c == n && s < best {
			best, n = s, c
		}
	}
	return best
}

func (d *decomposer) result() Decomposition {
	names := make([]string, len(d.vars))
	for v := range d.vars {
		names[v] = cleanName(d.vars[v].name)
		if names[v] == "" {
			names[v] = d.vars[v].id
		}
	}
	roleOrder := sortedByName(names[:d.nRoles], d.vars[:d.nRoles])
	orgOrder := sortedByName(names[d.nRoles:], d.vars[d.nRoles:])
	out := Decomposition{
		Roles:     make([]Role, d.nRoles),
		Orgs:      make([]Org, len(d.vars)-d.nRoles),
		GroupRole: make([]int32, len(d.groups)),
		GroupOrg:  make([]int32, len(d.groups)),
	}
	rolePos := make([]int32, d.nRoles)
	for pos, v := range roleOrder {
		out.Roles[pos] = Role{ID: d.vars[v].id, Name: names[v]}
		rolePos[v] = int32(pos)
	}
	orgPos := make([]int32, len(out.Orgs))
	for pos, o := range orgOrder {
		v := d.nRoles + o
		out.Orgs[pos] = Org{ID: d.vars[v].id, Name: names[v]}
		orgPos[o] = int32(pos)
	}
	for i, g := range d.groups {
		if g.role < 0 {
			out.GroupRole[i], out.GroupOrg[i] = -1, -1
			continue
		}
		out.GroupRole[i] = rolePos[g.role]
		out.GroupOrg[i] = orgPos[g.org-d.nRoles]
	}
	return out
}

func sortedByName(names []string, vars []dvar) []int {
	order := make([]int, len(names))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := compareFold(names[a], names[b]); c != 0 {
			return c
		}
		return strings.Compare(vars[a].id, vars[b].id)
	})
	return order
}

// cleanName trims the padding a split can leave ("Admin  - X").
func cleanName(s string) string { return strings.TrimSpace(s) }

// compareFold compares strings case-insensitively (simple lowercase folding)
// without allocating: sorting 100k users must not lowercase every name per
// comparison. Callers break ties (by id) to make the order total.
func compareFold(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if ca < utf8.RuneSelf && cb < utf8.RuneSelf {
			if 'A' <= ca && ca <= 'Z' {
				ca += 'a' - 'A'
			}
			if 'A' <= cb && cb <= 'Z' {
				cb += 'a' - 'A'
			}
			if ca != cb {
				return int(ca) - int(cb)
			}
			i++
			j++
			continue
		}
		ra, na := utf8.DecodeRuneInString(a[i:])
		rb, nb := utf8.DecodeRuneInString(b[j:])
		ra, rb = unicode.ToLower(ra), unicode.ToLower(rb)
		if ra != rb {
			return int(ra) - int(rb)
		}
		i += na
		j += nb
	}
	switch {
	case len(a)-i < len(b)-j:
		return -1
	case len(a)-i > len(b)-j:
		return 1
	}
	return 0
}
