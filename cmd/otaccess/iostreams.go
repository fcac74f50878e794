package main

import (
	"io"
	"os"

	"github.com/charmbracelet/x/term"
)

// ioStreams are a command's standard streams. The binary gives the
// process's; tests give buffers, and say whether stdin is a terminal.
type ioStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// InTerminal says whether In is a terminal a person answers at: a
	// write asks for confirmation only there (else it needs --yes).
	InTerminal bool
}

func systemStreams() *ioStreams {
	return &ioStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, InTerminal: term.IsTerminal(os.Stdin.Fd())}
}
