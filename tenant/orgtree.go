package tenant

import (
	"fmt"
	"slices"
	"strings"
)

// OneTrust's organization tree (ONETRUST-API.md 3), joined to the orgs the
// SCIM group ids name.
//
// The join: OneTrust does not say whether a node's organizationId is the
// org half of a SCIM group id (roleId:orgId). A node joins the SCIM org
// whose id equals its organizationId; failing that (no organizationId, as
// OneTrust's example child has, or an id that is not a SCIM org's), the
// SCIM org of the same name (case-insensitive), when exactly one SCIM org
// has it and no other node took it by id. What is left is reported
// (OrgJoin): nodes joined to no SCIM org (an org without any role group)
// and SCIM orgs no node joined (outside a sub-org credential's subtree, or
// renamed on one side).

// OrgNode is one organization of the tree as read.
type OrgNode struct {
	// Key identifies the node in the tree: its organizationId, else its
	// externalId. ParentKey is its parent's Key, "" for the top.
	Key, ParentKey  string
	OrganizationID  string
	ExternalID      string
	Name            string
	DefaultApprover string
	Description     string
}

// OrgTree is the tree; Nodes in the order read (a depth-first walk).
type OrgTree struct {
	Nodes    []OrgNode
	Parent   []int32   // -1 for the top
	Children [][]int32 // in the order read
	Depth    []int32   // 0 for the top
	// Org is the index into Snapshot.Orgs each node joins, -1 for none;
	// ByName says the join was by name, not id.
	Org    []int32
	ByName []bool
	Join   OrgJoin
	ofOrg  map[int32]int32 // Snapshot.Orgs index -> node
}

// OrgJoin reports how the tree met the SCIM orgs.
type OrgJoin struct {
	ByID, ByName int
	TreeOnly     []string // names of nodes joined to no SCIM org
	SCIMOnly     []string // names of SCIM orgs no node joined
}

// Complete reports whether every node and every SCIM org joined.
func (j OrgJoin) Complete() bool { return len(j.TreeOnly) == 0 && len(j.SCIMOnly) == 0 }

// MaxOrgDepth bounds the tree (the client refuses deeper answers too).
const MaxOrgDepth = 64

// NewOrgTree checks and links nodes: keys are unique and non-empty, every
// parent is in the tree (only the first node, the top, may name one that
// is not: a sub-organization's credential sees its subtree), and no node
// is its own ancestor.
func NewOrgTree(nodes []OrgNode) (*OrgTree, error) {
	t := &OrgTree{Nodes: nodes, Parent: make([]int32, len(nodes)), Children: make([][]int32, len(nodes)), Depth: make([]int32, len(nodes))}
	at := make(map[string]int32, len(nodes))
	for i, n := range nodes {
		if n.Key == "" {
			return nil, fmt.Errorf("organization %q has no id", n.Name)
		}
		if _, dup := at[n.Key]; dup {
			return nil, fmt.Errorf("the organization tree has a cycle: organization %q (%s) appears twice", n.Name, n.Key)
		}
		at[n.Key] = int32(i)
	}
	for i, n := range nodes {
		p, ok := at[n.ParentKey]
		switch {
		case n.ParentKey == "" || (i == 0 && !ok):
			if i != 0 {
				return nil, fmt.Errorf("the organization tree has two tops: %q and %q", nodes[0].Name, n.Name)
			}
			t.Parent[i] = -1
		case !ok:
			return nil, fmt.Errorf("the organization tree has a missing parent: %q (%s) names parent %s, which is not in the tree", n.Name, n.Key, n.ParentKey)
		default:
			t.Parent[i] = p
		}
	}
	// Walk up from every node: a cycle never reaches the top.
	for i, n := range nodes {
		steps := 0
		for q := t.Parent[i]; q >= 0; q = t.Parent[q] {
			if q == int32(i) || steps > len(nodes) {
				return nil, fmt.Errorf("the organization tree has a cycle: %q (%s) is its own ancestor", n.Name, n.Key)
			}
			steps++
		}
		if steps >= MaxOrgDepth {
			return nil, fmt.Errorf("the organization tree is more than %d levels deep (at %q)", MaxOrgDepth, n.Name)
		}
		t.Depth[i] = int32(steps)
		if p := t.Parent[i]; p >= 0 {
			t.Children[p] = append(t.Children[p], int32(i))
		}
	}
	return t, nil
}

// join matches the nodes to orgs (see the file comment).
func (t *OrgTree) join(orgs []Org) {
	t.Org = make([]int32, len(t.Nodes))
	t.ByName = make([]bool, len(t.Nodes))
	t.ofOrg = make(map[int32]int32, len(orgs))
	t.Join = OrgJoin{}
	byID := make(map[string]int32, len(orgs))
	byName := make(map[string][]int32, len(orgs))
	for i, o := range orgs {
		byID[o.ID] = int32(i)
		k := strings.ToLower(o.Name)
		byName[k] = append(byName[k], int32(i))
	}
	for i := range t.Nodes {
		t.Org[i] = -1
		if o, ok := byID[t.Nodes[i].OrganizationID]; ok && t.Nodes[i].OrganizationID != "" {
			t.Org[i], t.ofOrg[o] = o, int32(i)
			t.Join.ByID++
		}
	}
	for i := range t.Nodes {
		if t.Org[i] >= 0 {
			continue
		}
		if c := byName[strings.ToLower(t.Nodes[i].Name)]; len(c) == 1 {
			if _, taken := t.ofOrg[c[0]]; !taken {
				t.Org[i], t.ofOrg[c[0]], t.ByName[i] = c[0], int32(i), true
				t.Join.ByName++
				continue
			}
		}
		t.Join.TreeOnly = append(t.Join.TreeOnly, t.Nodes[i].Name)
	}
	for i, o := range orgs {
		if _, ok := t.ofOrg[int32(i)]; !ok {
			t.Join.SCIMOnly = append(t.Join.SCIMOnly, o.Name)
		}
	}
}

// NodeOfOrg is the node an org (Snapshot.Orgs index) joined, -1 for none.
func (t *OrgTree) NodeOfOrg(org int32) int32 {
	if n, ok := t.ofOrg[org]; ok {
		return n
	}
	return -1
}

// Descendants are node n and every node under it, depth first.
func (t *OrgTree) Descendants(n int32) []int32 {
	out := []int32{n}
	for i := 0; i < len(out); i++ {
		out = append(out, t.Children[out[i]]...)
	}
	return out
}

// Path is the names from the top down to node n: "Acme / Legal / EU".
func (t *OrgTree) Path(n int32) string {
	var parts []string
	for ; n >= 0; n = t.Parent[n] {
		parts = append(parts, t.Nodes[n].Name)
	}
	slices.Reverse(parts)
	return strings.Join(parts, " / ")
}

// Find is the nodes whose name is name (case-insensitive), else those whose
// name contains it.
func (t *OrgTree) Find(name string) []int32 {
	want := strings.ToLower(strings.TrimSpace(name))
	var exact, part []int32
	for i, n := range t.Nodes {
		got := strings.ToLower(n.Name)
		switch {
		case got == want || strings.EqualFold(n.ExternalID, want):
			exact = append(exact, int32(i))
		case want != "" && strings.Contains(got, want):
			part = append(part, int32(i))
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return part
}

// OrgCount is how many users hold a role in a node's org (Direct) and in
// it or any org under it (RollUp, each user counted once).
type OrgCount struct{ Direct, RollUp int }

// Counts counts, per node, the users with a membership in its org, and in
// its subtree: effective access (direct or through a user group). A user
// in both Legal and Legal EU counts once under Legal.
func (t *OrgTree) Counts(s *Snapshot) []OrgCount {
	out := make([]OrgCount, len(t.Nodes))
	stamp := make([]int32, len(t.Nodes))
	for i := range stamp {
		stamp[i] = -1
	}
	direct := make([]int32, len(t.Nodes))
	for u := range s.Users {
		for _, g := range s.EffectiveGroups(u) {
			o := s.Groups[g].Org
			if o < 0 {
				continue
			}
			n := t.NodeOfOrg(o)
			if n < 0 {
				continue
			}
			if direct[n] != int32(u)+1 {
				direct[n] = int32(u) + 1
				out[n].Direct++
			}
			for ; n >= 0 && stamp[n] != int32(u); n = t.Parent[n] {
				stamp[n] = int32(u)
				out[n].RollUp++
			}
		}
	}
	return out
}

// OrgsUnder is the Snapshot.Orgs indexes joined by node n and the nodes
// under it.
func (t *OrgTree) OrgsUnder(n int32) []int32 {
	var out []int32
	for _, d := range t.Descendants(n) {
		if o := t.Org[d]; o >= 0 {
			out = append(out, o)
		}
	}
	return out
}

// SetOrgTree attaches the tree read with the snapshot (joined to its
// orgs), or says why there is none (why: "the key lacks the ORGANIZATION
// scope"; "" with a nil tree means the server has none).
func (s *Snapshot) SetOrgTree(t *OrgTree, why string) {
	s.OrgTree, s.OrgTreeWhy = t, why
	s.Info.SubtreeOrg = ""
	if t != nil {
		t.join(s.Orgs)
		s.Info.SubtreeOrg = SubtreeTop(t.Nodes)
	}
}

// OrgTreeNote says why the snapshot has no tree, for every place that
// would show it: "org tree: not available — the key lacks the
// ORGANIZATION scope". "" when it has one.
func (s *Snapshot) OrgTreeNote() string {
	if s.OrgTree != nil {
		return ""
	}
	why := s.OrgTreeWhy
	if why == "" {
		why = "the server has no organization tree"
	}
	return "org tree: not available — " + why
}
