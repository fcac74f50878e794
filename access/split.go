package access

import (
	"fmt"
	"strings"

	"github.com/otaccess/otaccess/tenant"
)

// ReviewSlice is one reviewer's part of a review (review split).
type ReviewSlice struct {
	Name     string // "org Legal", "org reviewer ana@acme.com", "role Auditor", "manager ana@acme.com"
	Reviewer string // who decides it; "" when otaccess does not know
	// Basis says where the reviewer comes from, or why there is none
	// ("the defaultApprover of Legal, Legal EU"); the file's header says it.
	Basis string
	Items []int // indexes into the review's items, in its order
	// Moved says, for an item of the slice (by index into the review's
	// items), why it is here rather than with its org's approver: it is
	// that approver's own access.
	Moved map[int]string
}

// sliceKey is where one item goes: its slice and reviewer, the part of
// the slice's basis it adds, and why it was moved there ("" when not).
type sliceKey struct{ name, reviewer, basis, moved string }

// SplitReview cuts r into slices by "org", "role" or "manager", the
// reviewers as snap (the review's snapshot) names them. By manager, a
// user's items go to their manager, so a manager's own access falls in
// their manager's slice. By org, the items of an org whose defaultApprover
// OneTrust gives go to that approver (one slice per approver, however many
// orgs they approve); an approver's own access goes to the next reviewer
// up: the nearest org above with another approver, else the user's
// manager. An org without an approver (or a snapshot without the
// organization tree) is a slice of its own that names no reviewer, and so
// is every role slice. Slices are in the order of their first item.
func SplitReview(r *tenant.Review, by string, snap *tenant.Snapshot) ([]ReviewSlice, error) {
	var key func(it *tenant.ReviewItem) sliceKey
	switch by {
	case "org":
		key = orgSlicer(snap)
	case "role":
		key = func(it *tenant.ReviewItem) sliceKey {
			if it.Role == "" && !it.NoRole() {
				return sliceKey{name: "role " + it.Group}
			}
			return sliceKey{name: "role " + orNone(it.Role)}
		}
	case "manager":
		if snap == nil {
			return nil, fmt.Errorf("--by manager needs a snapshot")
		}
		key = func(it *tenant.ReviewItem) sliceKey {
			k, ok := snap.UserIndex(it.UserID)
			if !ok {
				return sliceKey{name: "manager (unknown: the user left the snapshot)"}
			}
			if label := managerOf(snap, k); label != "" {
				return sliceKey{name: "manager " + label, reviewer: label, basis: "the users' manager"}
			}
			if u := &snap.Users[k]; u.ManagerName != "" {
				return sliceKey{name: "manager " + u.ManagerName}
			}
			return sliceKey{name: "manager (none)"}
		}
	default:
		return nil, fmt.Errorf("--by %q: want org, role or manager", by)
	}
	var out []ReviewSlice
	at := map[string]int{}
	bases := map[string]bool{} // slice name + "\x00" + basis part already said
	for i := range r.Items {
		k := key(&r.Items[i])
		j, ok := at[k.name]
		if !ok {
			j = len(out)
			at[k.name] = j
			out = append(out, ReviewSlice{Name: k.name, Reviewer: k.reviewer})
		}
		sl := &out[j]
		sl.Items = append(sl.Items, i)
		if k.basis != "" && !bases[k.name+"\x00"+k.basis] {
			bases[k.name+"\x00"+k.basis] = true
			if sl.Basis != "" {
				sl.Basis += "; "
			}
			sl.Basis += k.basis
		}
		if k.moved != "" {
			if sl.Moved == nil {
				sl.Moved = map[int]string{}
			}
			sl.Moved[i] = k.moved
		}
	}
	return out, nil
}

// managerOf is the label of user k's manager when the snapshot holds
// them, else "".
func managerOf(snap *tenant.Snapshot, k int) string {
	u := &snap.Users[k]
	if m, ok := snap.UserIndex(u.ManagerID); ok && u.ManagerID != "" {
		return snap.Users[m].Label()
	}
	return ""
}

// isUser reports whether who names the item's user (an approver is an
// email or a user name; either way, case does not matter).
func isUser(it *tenant.ReviewItem, who string) bool {
	return strings.EqualFold(who, it.UserEmail) || strings.EqualFold(who, it.UserLabel) || strings.EqualFold(who, it.UserName)
}

// orgSlicer keys items by their org's reviewer (see SplitReview).
func orgSlicer(snap *tenant.Snapshot) func(it *tenant.ReviewItem) sliceKey {
	perOrg := func(it *tenant.ReviewItem, why string) sliceKey {
		return sliceKey{name: "org " + orNone(it.Org), basis: "no reviewer: " + why}
	}
	if snap == nil || snap.OrgTree == nil {
		why := "the review's snapshot is not in the cache, so its organization tree is not known"
		if snap != nil {
			why = snap.OrgTreeNote()
		}
		return func(it *tenant.ReviewItem) sliceKey { return perOrg(it, why) }
	}
	tree := snap.OrgTree
	return func(it *tenant.ReviewItem) sliceKey {
		if it.Org == "" {
			return perOrg(it, "the item is in no organization")
		}
		n := int32(-1)
		if g, ok := snap.GroupIndex(it.GroupID); ok && snap.Groups[g].Org >= 0 {
			n = tree.NodeOfOrg(snap.Groups[g].Org)
		}
		if n < 0 {
			return perOrg(it, it.Org+" is not in OneTrust's organization tree")
		}
		approver := strings.ToLower(strings.TrimSpace(tree.Nodes[n].DefaultApprover))
		switch {
		case approver == "":
			return perOrg(it, it.Org+" has no defaultApprover in OneTrust")
		case !isUser(it, approver):
			return sliceKey{name: "org reviewer " + approver, reviewer: approver, basis: "the defaultApprover of " + it.Org}
		}
		// The approver's own access: the next reviewer up.
		own := "the own access of " + it.Org + "'s defaultApprover"
		for p := tree.Parent[n]; p >= 0; p = tree.Parent[p] {
			up := strings.ToLower(strings.TrimSpace(tree.Nodes[p].DefaultApprover))
			if up != "" && !isUser(it, up) {
				return sliceKey{name: "org reviewer " + up, reviewer: up, basis: "the defaultApprover of " + tree.Nodes[p].Name,
					moved: own + ", given to the defaultApprover of " + tree.Nodes[p].Name}
			}
		}
		if k, ok := snap.UserIndex(it.UserID); ok {
			if m := strings.ToLower(managerOf(snap, k)); m != "" && !isUser(it, m) {
				return sliceKey{name: "org reviewer " + m, reviewer: m, basis: "the manager of " + it.Org + "'s defaultApprover",
					moved: own + ", given to their manager"}
			}
		}
		return perOrg(it, own+" (no org above has another approver and the user has no manager)")
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// SliceHeader is the header of slice sl's decision file.
func SliceHeader(r *tenant.Review, sl ReviewSlice) tenant.DecisionHeader {
	h := tenant.HeaderFor(r)
	h.Slice, h.Reviewer = sl.Name, sl.Reviewer
	if sl.Basis != "" {
		h.Fields, h.FieldsOrder = map[string]string{"reviewer-from": sl.Basis}, []string{"reviewer-from"}
	}
	h.Checksum = tenant.SliceChecksum(h, sliceItems(r, sl))
	return h
}

func sliceItems(r *tenant.Review, sl ReviewSlice) []tenant.ReviewItem {
	items := make([]tenant.ReviewItem, len(sl.Items))
	for i, k := range sl.Items {
		items[i] = r.Items[k]
	}
	return items
}

// SliceItems are the items of slice sl, in the review's order.
func SliceItems(r *tenant.Review, sl ReviewSlice) []tenant.ReviewItem { return sliceItems(r, sl) }

// MatchSlice finds the slice a reviewer's file h was written for and checks
// its checksum: the review, snapshot, slice, reviewer and set of items must
// be those split wrote.
func MatchSlice(r *tenant.Review, h tenant.DecisionHeader, snap *tenant.Snapshot) (ReviewSlice, error) {
	if h.Slice == "" || h.Checksum == "" {
		return ReviewSlice{}, fmt.Errorf("not a reviewer's file (no slice and checksum in its header): use `review decide NAME --from-file`")
	}
	by, _, _ := strings.Cut(h.Slice, " ")
	slices, err := SplitReview(r, by, snap)
	if err != nil {
		return ReviewSlice{}, err
	}
	for _, sl := range slices {
		if sl.Name == h.Slice {
			if tenant.SliceChecksum(h, sliceItems(r, sl)) != h.Checksum || sl.Reviewer != h.Reviewer {
				return ReviewSlice{}, fmt.Errorf("the checksum of slice %q does not match (its header was edited, or the slice changed since the split: split again)", h.Slice)
			}
			return sl, nil
		}
	}
	return ReviewSlice{}, fmt.Errorf("review %s has no slice %q now (split again)", r.Name, h.Slice)
}
