// Package tenant is the tenant as otaccess knows it: users, groups, and the
// roles and organizations decomposed from OneTrust's "roleId:orgId" groups,
// held in a Snapshot with its lookups, edits and role x org matrices; the
// filter index the users list searches with; the diff between two
// snapshots; and the value types of access reviews.
//
// It is plain data and the rules about it, with no I/O: the SCIM client's
// wire types stay in package client (package access converts them into
// ReadUser and ReadGroup), and package cache stores this model in SQLite.
package tenant
