package access

import (
	"fmt"
	"strings"

	"github.com/otaccess/otaccess/tenant"
)

// ReviewSlice is one reviewer's part of a review (review split).
type ReviewSlice struct {
	Name     string // "org Legal", "role Auditor", "manager ana@acme.com"
	Reviewer string // who decides it; "" when otaccess does not know
	Items    []int  // indexes into the review's items, in its order
}

// SplitReview cuts r into slices by "org", "role" or "manager". For a
// manager slice the reviewer is the user's manager as snap (the current
// snapshot) names them, so a manager's own access falls in their
// manager's slice; org and role slices name no reviewer (OneTrust's
// defaultApprover is not read yet). Slices are in the order of their
// first item.
func SplitReview(r *tenant.Review, by string, snap *tenant.Snapshot) ([]ReviewSlice, error) {
	var key func(it *tenant.ReviewItem) (string, string)
	switch by {
	case "org":
		key = func(it *tenant.ReviewItem) (string, string) { return "org " + orNone(it.Org), "" }
	case "role":
		key = func(it *tenant.ReviewItem) (string, string) {
			if it.Role == "" && !it.NoRole() {
				return "role " + it.Group, ""
			}
			return "role " + orNone(it.Role), ""
		}
	case "manager":
		if snap == nil {
			return nil, fmt.Errorf("--by manager needs a snapshot")
		}
		key = func(it *tenant.ReviewItem) (string, string) {
			k, ok := snap.UserIndex(it.UserID)
			if !ok {
				return "manager (unknown: the user left the snapshot)", ""
			}
			u := &snap.Users[k]
			if m, ok := snap.UserIndex(u.ManagerID); ok && u.ManagerID != "" {
				label := snap.Users[m].Label()
				return "manager " + label, label
			}
			if u.ManagerName != "" {
				return "manager " + u.ManagerName, ""
			}
			return "manager (none)", ""
		}
	default:
		return nil, fmt.Errorf("--by %q: want org, role or manager", by)
	}
	var out []ReviewSlice
	at := map[string]int{}
	for i := range r.Items {
		name, reviewer := key(&r.Items[i])
		j, ok := at[name]
		if !ok {
			j = len(out)
			at[name] = j
			out = append(out, ReviewSlice{Name: name, Reviewer: reviewer})
		}
		out[j].Items = append(out[j].Items, i)
	}
	return out, nil
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
