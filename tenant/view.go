package tenant

import "github.com/otaccess/otaccess/textsafe"

// A OneTrust credential made in a child organization sees only that
// organization's subtree: the organization tree it reads is rooted there,
// its top naming a parent the tree does not hold (see NewOrgTree), and
// its users, groups and user groups are the subtree's (what exactly is
// not in OneTrust's spec; the fake's reading is in scimtest/orgview.go).
// A snapshot synced with it is a view of part of the tenant, and says so
// (SyncInfo.SubtreeOrg): a review started on it, its evidence, and a diff
// or comparison with a snapshot of another view, whose "removed" would
// otherwise be the part that one could not see.

// SubtreeTop is the name of the organization whose subtree the tree's
// nodes are, when they are one (the top names a parent); "" for a whole
// tree, or none.
func SubtreeTop(nodes []OrgNode) string {
	if len(nodes) == 0 || nodes[0].ParentKey == "" {
		return ""
	}
	if nodes[0].Name != "" {
		return nodes[0].Name
	}
	return nodes[0].Key
}

// SubtreeNote says the snapshot holds one organization's subtree only:
// "only organization Legal and its sub-organizations (the credential lives
// there), not the whole tenant"; "" for the whole tenant, or when the
// snapshot could not tell (it has no organization tree).
func (i SyncInfo) SubtreeNote() string {
	if i.SubtreeOrg == "" {
		return ""
	}
	return "only organization " + textsafe.Line(i.SubtreeOrg) + " and its sub-organizations (the credential lives there), not the whole tenant"
}

// viewName is what a snapshot sees, for ViewChange.
func (i SyncInfo) viewName() string {
	if i.SubtreeOrg == "" {
		return "the whole tenant"
	}
	return "only organization " + textsafe.Line(i.SubtreeOrg) + "'s subtree"
}

// ViewChange warns when two snapshots do not see the same part of the
// tenant (one synced with a child organization's credential): what only
// one side holds may be outside the other's view, not added or removed.
// "" when both see the same.
func ViewChange(from, to SyncInfo) string {
	if from.SubtreeOrg == to.SubtreeOrg {
		return ""
	}
	return "warning: the view changed: the first snapshot holds " + from.viewName() + ", the second " + to.viewName() +
		" (a credential of a child organization sees only its subtree), so users and access outside the narrower view show as removed or added though they may be unchanged"
}

// ViewChangeShort is ViewChange for a line of the terminal UI.
func ViewChangeShort(from, to SyncInfo) string {
	if from.SubtreeOrg == to.SubtreeOrg {
		return ""
	}
	return "⚠ view changed: " + from.viewName() + " → " + to.viewName() + "; what is outside the narrower view is unseen, not removed or added"
}
