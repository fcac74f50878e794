package tenant

import "time"

// AuditEntry is one row of the append-only audit log: what otaccess did to
// the tenant, who did it and what the server answered.
type AuditEntry struct {
	ID      int64
	At      time.Time
	Actor   string // OS user; filled in when empty
	Profile string
	Tenant  string
	Action  string // grant, revoke, deactivate, delete, create ...
	Target  string
	Detail  string
	Result  string // ok, failed, ...
	Status  int    // HTTP status from the server, 0 when none
}
