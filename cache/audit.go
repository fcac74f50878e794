package cache

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

// redactURL keeps a tenant URL's scheme, host and path: credentials or a
// token in userinfo or the query never reach the cache.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			return s[:i]
		}
		return s
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// OSUser names the person at the keyboard for the audit log.
func OSUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, k := range []string{"USER", "USERNAME", "LOGNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "unknown"
}

// AppendAudit appends one entry; At defaults to now, Actor to the OS user.
func (s *Store) AppendAudit(ctx context.Context, e tenant.AuditEntry) error {
	return s.failIf("append to the audit log", insertAudit(ctx, s.db, e))
}

func insertAudit(ctx context.Context, db interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}, e tenant.AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	if e.Actor == "" {
		e.Actor = OSUser()
	}
	_, err := db.ExecContext(ctx, `INSERT INTO audit (at, actor, profile, tenant, action, target, detail, result, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		fmtTime(e.At), e.Actor, e.Profile, redactURL(e.Tenant), e.Action, e.Target, e.Detail, e.Result, e.Status)
	return err
}

// Audit returns up to limit entries (all when limit <= 0), newest first.
func (s *Store) Audit(ctx context.Context, limit int) ([]tenant.AuditEntry, error) {
	s.tryFold(ctx)
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, actor, profile, tenant, action, target, detail, result, status FROM audit ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, s.fail("read the audit log", err)
	}
	defer rows.Close()
	var out []tenant.AuditEntry
	for rows.Next() {
		var e tenant.AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Profile, &e.Tenant, &e.Action, &e.Target, &e.Detail, &e.Result, &e.Status); err != nil {
			return nil, s.fail("read the audit log", err)
		}
		e.At = parseTime(at)
		out = append(out, e)
	}
	return out, s.failIf("read the audit log", rows.Err())
}
