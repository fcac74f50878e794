// Package ui is otaccess's terminal UI: a Bubble Tea program that browses a
// tenant snapshot (users, the role x organization matrix, groups, reviews,
// what changed since the previous sync) and, when online, grants, revokes
// and deprovisions. Everything it reads from the cache and every write goes
// through access.Service; it sees the tenant as package tenant's model and
// imports neither the cache nor the SCIM client.
package ui
