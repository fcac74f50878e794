package access

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

// An evidence bundle is a directory an auditor checks without otaccess's
// cache or the tenant: the review's CSV and JSON, its scope, the
// population of the snapshot it was frozen from, the audit rows of its
// apply, and MANIFEST.sha256 — `sha256sum -c MANIFEST.sha256` checks it —
// optionally signed (MANIFEST.sha256.sig, `ssh-keygen -Y sign` format,
// namespace EvidenceNamespace). `otaccess evidence verify DIR` checks it all.

const (
	// ManifestName is the bundle's list of SHA-256 sums, in sha256sum's
	// format ("HEX  NAME").
	ManifestName = "MANIFEST.sha256"
	// SignatureName is the armored SSH signature of the manifest.
	SignatureName = ManifestName + ".sig"
	// EvidenceNamespace is the SSH signature namespace of evidence bundles
	// (ssh-keygen -Y verify -n otaccess-evidence).
	EvidenceNamespace = "otaccess-evidence"
)

// BundleFile is one file of a bundle.
type BundleFile struct {
	Name string
	Data []byte
}

// BundleScope is scope.json: what the review covers and where it comes from.
type BundleScope struct {
	Review       string `json:"review"`
	Scope        string `json:"scope"`
	CreatedAt    string `json:"createdAt"`
	CreatedBy    string `json:"createdBy"`
	Profile      string `json:"profile"`
	Tenant       string `json:"tenantUrl"`
	SnapshotID   int64  `json:"snapshotId"`
	SnapshotTime string `json:"snapshotTime"`
	Items        int    `json:"items"`
}

// BundlePopulation is population.json: the snapshot the review was frozen
// from, as the sync that made it recorded it.
type BundlePopulation struct {
	SnapshotID  int64  `json:"snapshotId"`
	Tenant      string `json:"tenantUrl"`
	TenantID    string `json:"tenantId"` // the credential's tenant, when the token response named it
	StartedAt   string `json:"startedAt"`
	FinishedAt  string `json:"finishedAt"`
	Users       int    `json:"users"`
	Groups      int    `json:"groups"`
	Memberships int    `json:"memberships"`
	Dropped     int    `json:"usersDropped"`
	// RequestsMade and Rereads are null when the snapshot was synced by an
	// otaccess that did not record them.
	RequestsMade *int `json:"requestsMade"`
	Rereads      *int `json:"rereads"`
	// LastLogins and UserGroups say whether the sync read OneTrust's Users
	// V2 and user groups ("read", or "not available — why"): without the
	// user groups the review covers direct access only.
	LastLogins string `json:"lastLogins"`
	UserGroups string `json:"userGroups"`
	// CredentialOrg is the organization whose subtree alone the snapshot
	// holds (a child organization's credential), absent for the whole
	// tenant; SubtreeNote says so in words.
	CredentialOrg string `json:"credentialOrg,omitempty"`
	SubtreeNote   string `json:"subtreeNote,omitempty"`
	Note          string `json:"note,omitempty"`
}

// BuildBundle renders review r (loaded with its items) as the files of an
// evidence bundle, the manifest last (unsigned: see SignManifest); with
// history, evidence.json carries each item's history (see AddHistory).
func (s *Service) BuildBundle(ctx context.Context, r *tenant.Review, exportedAt time.Time, exportedBy string, history bool) ([]BundleFile, error) {
	ev, csvData, err := BuildEvidence(r, exportedAt, exportedBy)
	if err != nil {
		return nil, err
	}
	if history {
		if _, err := s.AddHistory(ctx, ev, r); err != nil {
			return nil, err
		}
	}
	evJSON, err := marshalJSON(ev)
	if err != nil {
		return nil, err
	}
	scope, err := marshalJSON(BundleScope{Review: r.Name, Scope: r.Scope, CreatedAt: evidenceTime(r.CreatedAt), CreatedBy: r.CreatedBy,
		Profile: r.Profile, Tenant: r.Tenant, SnapshotID: r.SnapshotID, SnapshotTime: evidenceTime(r.SnapshotAt), Items: len(r.Items)})
	if err != nil {
		return nil, err
	}
	pop := BundlePopulation{SnapshotID: r.SnapshotID, Tenant: r.Tenant}
	switch info, err := s.store.SnapshotRecord(ctx, r.SnapshotID); {
	case errors.Is(err, cache.ErrNoSnapshot):
		pop.Note = "the cache no longer holds this snapshot's record (it was synced by an otaccess that kept none, and pruned since)"
	case err != nil:
		return nil, err
	default:
		pop.TenantID, pop.StartedAt, pop.FinishedAt = info.TenantID, evidenceTime(info.StartedAt), evidenceTime(info.FinishedAt)
		pop.Users, pop.Groups, pop.Memberships, pop.Dropped = info.Users, info.Groups, info.Memberships, info.Dropped
		acc, err := s.store.SnapshotAccess(ctx, r.SnapshotID)
		if err != nil {
			return nil, err
		}
		pop.LastLogins, pop.UserGroups = acc.Logins.Status(), acc.UserGroups.Status()
		if n := info.SubtreeNote(); n != "" {
			pop.CredentialOrg, pop.SubtreeNote = info.SubtreeOrg, "the snapshot holds "+n
		}
		if info.Recorded {
			pop.RequestsMade, pop.Rereads = &info.Requests, &info.Rereads
		} else {
			pop.Note = "synced by an otaccess that did not record requests made and re-reads"
		}
	}
	popJSON, err := marshalJSON(pop)
	if err != nil {
		return nil, err
	}
	rows, err := s.applyAudit(ctx, r)
	if err != nil {
		return nil, err
	}
	auditJSON, err := marshalJSON(rows)
	if err != nil {
		return nil, err
	}
	files := []BundleFile{
		{"evidence.csv", csvData}, {"evidence.json", evJSON}, {"scope.json", scope},
		{"population.json", popJSON}, {"audit.json", auditJSON},
	}
	return append(files, BundleFile{ManifestName, Manifest(files)}), nil
}

// applyAudit is the audit rows of r's apply: the "review apply" rows naming
// it, and the revocations of its items made since it started.
func (s *Service) applyAudit(ctx context.Context, r *tenant.Review) ([]tenant.AuditEntry, error) {
	all, err := s.store.Audit(ctx, 0)
	if err != nil {
		return nil, err
	}
	targets := map[string]bool{}
	for i := range r.Items {
		if it := &r.Items[i]; it.ApplyStatus != tenant.NotApplied {
			targets[it.UserLabel+" / "+it.Membership()] = true
		}
	}
	out := []tenant.AuditEntry{}
	for _, e := range all {
		if e.At.Before(r.CreatedAt) {
			continue
		}
		if (e.Action == "review apply" && e.Target == "review "+r.Name) || (e.Action == "revoke" && targets[e.Target]) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b tenant.AuditEntry) int { return int(a.ID - b.ID) }) // oldest first
	return out, nil
}

func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Manifest is the sha256sum listing of files, in their order.
func Manifest(files []BundleFile) []byte {
	var b bytes.Buffer
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), f.Name)
	}
	return b.Bytes()
}

// BundleReport is what VerifyBundle found.
type BundleReport struct {
	Files   []string // the files the manifest lists
	Changed []string // listed, but their bytes are not what the manifest says
	Missing []string // listed, but absent (or not a regular file)
	Extra   []string // in the directory, not listed
	Signed  bool     // the bundle has a signature
	// Signer is the allowed signer's principals and key fingerprint,
	// when the signature was checked and holds.
	Signer string
	// SignatureErr says why the signature does not hold ("" when it does
	// or was not checked).
	SignatureErr string
	Checked      bool // the signature was checked against allowed signers
}

// OK reports a bundle whose every file is as listed, nothing added, and,
// when allowed signers were given, a good signature.
func (r *BundleReport) OK() bool {
	return len(r.Changed)+len(r.Missing)+len(r.Extra) == 0 && r.SignatureErr == ""
}

// VerifyBundle checks the bundle in dir: every file's SHA-256 against the
// manifest, no file added, and, when allowedSigners is non-nil (the bytes
// of an ssh-keygen allowed_signers file), the manifest's signature by one
// of them in the evidence namespace. It fails only when the manifest
// cannot be read; everything else is in the report.
func VerifyBundle(dir string, allowedSigners []byte) (*BundleReport, error) {
	manifest, err := readRegular(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestName, err)
	}
	rep := &BundleReport{}
	listed := map[string]bool{ManifestName: true, SignatureName: true}
	for n, line := range strings.Split(strings.TrimSuffix(string(manifest), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 || name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." || listed[name] {
			return nil, fmt.Errorf("%s line %d is not \"SHA256  NAME\" of a file in the bundle: %q", ManifestName, n+1, textsafe.Line(line))
		}
		listed[name] = true
		rep.Files = append(rep.Files, name)
		data, err := readRegular(filepath.Join(dir, name))
		if err != nil {
			rep.Missing = append(rep.Missing, name)
			continue
		}
		got := sha256.Sum256(data)
		if !strings.EqualFold(hex.EncodeToString(got[:]), sum) {
			rep.Changed = append(rep.Changed, name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !listed[e.Name()] {
			rep.Extra = append(rep.Extra, e.Name())
		}
	}
	sig, err := readRegular(filepath.Join(dir, SignatureName))
	rep.Signed = err == nil
	if allowedSigners == nil {
		return rep, nil
	}
	rep.Checked = true
	if !rep.Signed {
		rep.SignatureErr = "the bundle is not signed (no " + SignatureName + ")"
		return rep, nil
	}
	signer, err := VerifyManifestSignature(manifest, sig, allowedSigners)
	if err != nil {
		rep.SignatureErr = err.Error()
	}
	rep.Signer = signer
	return rep, nil
}

// readRegular reads a regular file, refusing links and special files (a
// bundle is a directory of plain files; a link could make a check read
// something else than what is shipped).
func readRegular(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fi.Mode().Type())
	}
	return os.ReadFile(path)
}

// WriteJSON writes v indented, with the runes that could drive a terminal
// escaped (textsafe.JSON), as every otaccess JSON is.
func WriteJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(textsafe.JSON(b), '\n'))
	return err
}
