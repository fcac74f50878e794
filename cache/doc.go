// Package cache is the SQLite store of the tenant model (package tenant):
// one file per profile holding the current snapshot and the one before it,
// the audit log and the access reviews. It opens and identifies the file,
// migrates older schemas, saves a sync as it is read (SnapshotWriter),
// loads snapshots back, and writes single changes through after a tenant
// write. It knows nothing of SCIM: package access converts what the client
// reads into the model before it reaches the store.
package cache
