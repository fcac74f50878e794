package main

import (
	"io"

	"github.com/otaccess/otaccess/export"
)

// writeFileAtomic writes data to path as export.WriteFile does (never
// half written, 0600, no links or devices replaced); "-" writes to w.
func writeFileAtomic(w io.Writer, path string, data []byte) error {
	if path == "-" {
		_, err := w.Write(data)
		return err
	}
	return export.WriteFile(path, data)
}
