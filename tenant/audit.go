package tenant

import "time"

// AuditEntry is one row of the append-only audit log: what otaccess did to
// the tenant, who did it and what the server answered.
type AuditEntry struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"` // OS user; filled in when empty
	Profile string    `json:"profile"`
	Tenant  string    `json:"tenant"`
	Action  string    `json:"action"` // grant, revoke, deactivate, delete, create ...
	Target  string    `json:"target"`
	Detail  string    `json:"detail"`
	Result  string    `json:"result"` // ok, failed, ...
	Status  int       `json:"status"` // HTTP status from the server, 0 when none
}
