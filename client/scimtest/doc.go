// Package scimtest is an in-process fake OneTrust SCIM 2.0 tenant for tests,
// the demo and benchmarks. It is a real SCIM server over HTTP: paging, filters
// (parsed with github.com/scim2/filter-parser/v2), PatchOp on users and groups,
// OneTrust's role x organization groups, rate limits and injectable faults.
//
// Defaults follow OneTrust's reference documentation (see DESIGN.md): groups
// pages hold at most 25, PATCH /Groups answers 204, filters are ignored on
// /Groups, invited users are never returned, new users are inactive and get
// the default group.
//
// Beside SCIM, on the same host, it serves OneTrust's access-management
// APIs (ONETRUST-API.md): Users V2 with last logins, expiration and
// disabled dates; v2 user groups with their access levels and members;
// login history. They share the SCIM view's records, so a write through
// one shows in the other. Users V2's accessLevels are a user's direct
// access (its SCIM groups); access through a user group shows only there.
package scimtest
