package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/otaccess/otaccess/bench"
	"github.com/otaccess/otaccess/textsafe"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, newApp(systemStreams(), os.Getenv), os.Args[1:])
	stop()
	if os.Getenv(bench.PeakEnv) != "" {
		// `otaccess bench` measures this process: its own peak, not the
		// rusage one, which counts the parent's memory at the fork.
		fmt.Fprintf(os.Stderr, "%s%d\n", bench.PeakLine, bench.OwnPeakRSS())
	}
	os.Exit(code)
}

// run is the whole program but the process: it runs the command args name
// and returns the exit status, the error said on a's stderr in one line.
// The binary and the in-process tests run it alike.
func run(ctx context.Context, a *app, args []string) int {
	root := newRootCmd(a)
	root.SetArgs(append([]string{}, args...)) // never nil: cobra would read os.Args
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	if !errors.Is(err, errSilent) {
		fmt.Fprintln(a.io.ErrOut, "otaccess: "+textsafe.Line(err.Error()))
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// errSilent ends the command non-zero without a further message (it was
// already printed).
var errSilent = errors.New("")
