//go:build race

package cache

// raceEnabled trims the migration tests under the race detector: a
// migration runs in one goroutine on one connection, so instrumenting every
// old version finds nothing that the oldest one does not, and costs minutes
// on a busy CI machine. The plain `go test ./...` run checks every version.
const raceEnabled = true
