package tenant

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallel runs fn(0) ... fn(n-1) on as many goroutines as there are
// processors to run them.
func parallel(n int, fn func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
}
