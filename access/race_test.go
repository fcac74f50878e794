//go:build race

package access

// raceEnabled skips the child-process tests under the race detector: the
// children are killed or run alone, so instrumenting them finds nothing the
// in-process fault tests do not, and costs tens of seconds.
const raceEnabled = true
