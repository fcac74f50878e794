//go:build !unix

package bench

import (
	"os"
	"time"
)

// processCPU is not measured here.
func processCPU() time.Duration { return 0 }

// PeakRSS is not measured here.
func PeakRSS(*os.ProcessState) int64 { return 0 }
