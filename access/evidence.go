package access

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

// EvidenceRow is one review item as exported.
type EvidenceRow struct {
	Review     string `json:"review"`
	User       string `json:"user"`
	Email      string `json:"email"`
	UserID     string `json:"userId"`
	UserActive bool   `json:"userActive"`
	Role       string `json:"role"`
	Org        string `json:"org"`
	GroupID    string `json:"groupId"`
	// Held is how the access was held at the review's start: direct, via
	// (only through user groups) or both; UserGroups names those groups.
	Held       string   `json:"held"`
	UserGroups []string `json:"userGroups"`
	// LastLogin is the user's last successful login (RFC 3339; "never";
	// "" when the snapshot had no Users V2 data); DaysSinceLogin counts
	// whole days from it to the snapshot (null unless a time).
	LastLogin      string `json:"lastLogin"`
	DaysSinceLogin *int   `json:"daysSinceLogin"`
	Hints          string `json:"hints"`
	// Suggestion is what the hints suggest: "revoke (the user is inactive)".
	Suggestion string `json:"suggestion"`
	Decision   string `json:"decision"`
	Note       string `json:"note"`
	Reviewer   string `json:"reviewer"`
	// ReviewerReason says why the reviewer is not the one the item's slice
	// would name: its org approver's own access, moved up (review split).
	ReviewerReason string `json:"reviewerReason"`
	DecidedAt      string `json:"decidedAt"`
	ApplyStatus    string `json:"applyStatus"`
	AppliedAt      string `json:"appliedAt"`
	ApplyError     string `json:"applyError"`
	Snapshot       string `json:"snapshotTime"`
	Tenant         string `json:"tenantUrl"`
}

func (r *EvidenceRow) cells() []string {
	active := "false"
	if r.UserActive {
		active = "true"
	}
	days := ""
	if r.DaysSinceLogin != nil {
		days = strconv.Itoa(*r.DaysSinceLogin)
	} else if r.LastLogin == "never" {
		days = "never"
	}
	return []string{r.Review, r.User, r.Email, r.UserID, active, r.Role, r.Org, r.GroupID,
		r.Held, strings.Join(r.UserGroups, "; "), r.LastLogin, days, r.Hints, r.Suggestion,
		r.Decision, r.Note, r.Reviewer, r.ReviewerReason, r.DecidedAt, r.ApplyStatus, r.AppliedAt, r.ApplyError, r.Snapshot, r.Tenant}
}

// EvidenceSummary counts a review's decisions.
type EvidenceSummary struct {
	Total       int      `json:"total"`
	Keep        int      `json:"keep"`
	Revoke      int      `json:"revoke"`
	Skip        int      `json:"skip"`
	Undecided   int      `json:"undecided"`
	Applied     int      `json:"revocationsApplied"`
	ApplyFailed int      `json:"revocationsFailed"`
	Reviewers   []string `json:"reviewers"`
}

// Evidence is a review's export: the rows, a summary, and what an auditor
// needs to tie them to the tenant and check them.
type Evidence struct {
	Review       string          `json:"review"`
	Scope        string          `json:"scope"`
	CreatedAt    string          `json:"createdAt"`
	CreatedBy    string          `json:"createdBy"`
	Tenant       string          `json:"tenantUrl"`
	SnapshotID   int64           `json:"snapshotId"`
	SnapshotTime string          `json:"snapshotTime"`
	ExportedAt   string          `json:"exportedAt"`
	ExportedBy   string          `json:"exportedBy"`
	Summary      EvidenceSummary `json:"summary"`
	// RowsSHA256 is the SHA-256 of the CSV export (header and rows, exactly
	// as written to --csv): `sha256sum` of that file must print it.
	RowsSHA256 string        `json:"rowsSha256"`
	HashOf     string        `json:"rowsSha256Of"`
	Rows       []EvidenceRow `json:"rows"`
	// History is each item's membership history (review export
	// --history: see AddHistory).
	History     []ItemHistory `json:"history,omitempty"`
	HistoryNote string        `json:"historyNote,omitempty"`
}

func suggestionText(it *tenant.ReviewItem) string {
	sg := it.Suggest()
	if sg.Word == "" {
		return ""
	}
	return sg.Word + " (" + sg.Reason + ")"
}

func setEvidenceLogin(row *EvidenceRow, it *tenant.ReviewItem) {
	switch {
	case !it.LoginKnown:
	case it.LastLogin.IsZero():
		row.LastLogin = "never"
	default:
		row.LastLogin = evidenceTime(it.LastLogin)
		d := it.DaysSinceLogin
		row.DaysSinceLogin = &d
	}
}

func evidenceTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// BuildEvidence renders review r (as loaded with its items) as evidence:
// rows in the review's fixed order, the CSV bytes and their hash. The CSV is
// returned so that what is written is exactly what was hashed.
func BuildEvidence(r *tenant.Review, exportedAt time.Time, exportedBy string) (*Evidence, []byte, error) {
	ev := &Evidence{
		Review: r.Name, Scope: r.Scope, CreatedAt: evidenceTime(r.CreatedAt), CreatedBy: r.CreatedBy,
		Tenant: r.Tenant, SnapshotID: r.SnapshotID, SnapshotTime: evidenceTime(r.SnapshotAt),
		ExportedAt: evidenceTime(exportedAt), ExportedBy: exportedBy,
		HashOf: "the CSV export: header and rows, RFC 4180, formula-guarded cells, in this order",
		Rows:   make([]EvidenceRow, 0, len(r.Items)),
	}
	reviewers := map[string]bool{}
	for i := range r.Items {
		it := &r.Items[i]
		ev.Rows = append(ev.Rows, EvidenceRow{
			Review: r.Name, User: it.UserName, Email: it.UserEmail, UserID: it.UserID, UserActive: it.UserActive,
			Role: it.Role, Org: it.Org, GroupID: it.GroupID, Hints: strings.Join(it.Tags(), ","),
			Held: it.Held(), UserGroups: it.UserGroupNames(), Suggestion: suggestionText(it),
			Decision: it.Decision.String(), Note: it.Note, Reviewer: it.Reviewer, ReviewerReason: it.ReviewerReason, DecidedAt: evidenceTime(it.DecidedAt),
			ApplyStatus: string(it.ApplyStatus), AppliedAt: evidenceTime(it.AppliedAt), ApplyError: it.ApplyError,
			Snapshot: ev.SnapshotTime, Tenant: r.Tenant,
		})
		setEvidenceLogin(&ev.Rows[i], it)
		if it.Role == "" && it.Org == "" && !it.NoRole() {
			ev.Rows[i].Role = it.Group // a plain group: its name is what is held
		}
		if it.Reviewer != "" {
			reviewers[it.Reviewer] = true
		}
	}
	c := tenant.Count(r.Items)
	ev.Summary = EvidenceSummary{
		Total: c.Items, Keep: c.Keep, Revoke: c.Revoke, Skip: c.Skip, Undecided: c.Undecided,
		Applied: c.Applied, ApplyFailed: c.Failed, Reviewers: []string{},
	}
	for name := range reviewers {
		ev.Summary.Reviewers = append(ev.Summary.Reviewers, name)
	}
	slices.Sort(ev.Summary.Reviewers)

	var buf bytes.Buffer
	if err := writeEvidenceCSV(&buf, ev.Rows); err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	ev.RowsSHA256 = hex.EncodeToString(sum[:])
	return ev, buf.Bytes(), nil
}

// writeEvidenceCSV writes the header and rows; every cell goes through the
// formula-injection guard (names and notes come from people and servers).
func writeEvidenceCSV(w io.Writer, rows []EvidenceRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(textsafe.CSVRecord(EvidenceColumns)); err != nil {
		return err
	}
	for i := range rows {
		if err := cw.Write(textsafe.CSVRecord(rows[i].cells())); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ---- apply ----
