// Package access is the one door to a tenant and its cache. It performs the
// operations otaccess runs against a tenant (sync, grant, revoke,
// deactivate, delete, deprovision, applying a review), keeping the cache and
// the audit log in step with what the server actually did, and it serves
// the cache's reads (snapshots, reviews, the audit log) to the CLI and the
// TUI, which never hold the store themselves. It converts the SCIM client's
// wire types into the tenant model (wire.go), so the store knows only the
// model.
package access
