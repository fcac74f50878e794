//go:build unix

package access

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the test process has used:
// benchmarks report it beside wall time, which a loaded machine inflates.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
