// Package export writes the snapshot's lists as CSV and JSON: the users,
// a group's members, the role x organization matrices and the groups, in
// the shapes the CLI prints (--csv, --json) and the TUI's e key writes to
// a file. Every cell goes through textsafe: no control character reaches
// the output, and CSV formulas are quoted.
package export

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/otaccess/otaccess/textsafe"
)

// CSV writes CSV with every cell through textsafe.CSVCell.
type CSV struct{ w *csv.Writer }

// NewCSV starts a CSV with its header row.
func NewCSV(w io.Writer, header ...string) *CSV {
	c := &CSV{w: csv.NewWriter(w)}
	c.Row(header...)
	return c
}

// Row writes one record; write errors are left to Flush, which reports
// the first one.
func (c *CSV) Row(cells ...string) { c.w.Write(textsafe.CSVRecord(cells)) }

// Flush writes what is buffered and reports the first write error.
func (c *CSV) Flush() error { c.w.Flush(); return c.w.Error() }

// WriteJSON writes v as indented JSON. Server strings keep their exact
// value; the controls encoding/json leaves raw are escaped too, so JSON on
// a terminal cannot drive it.
func WriteJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(textsafe.JSON(b), '\n'))
	return err
}

// WriteFile writes data to path through a temporary file and a rename, so
// an export is never seen half written. Exports hold personal data (names,
// emails): 0600.
func WriteFile(path string, data []byte) error {
	if err := CheckPath(path); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".otaccess-export-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// CheckPath refuses to export over anything but a regular file: the
// rename would replace a symbolic link (or writing through it would land
// where the user did not name), and would replace a device or a named
// pipe (as root, /dev/stdout is a link and /dev/null a device).
func CheckPath(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("write %s: %w", path, err)
	case fi.Mode()&os.ModeSymlink != 0:
		target, _ := os.Readlink(path)
		return fmt.Errorf("write %s: it is a symbolic link (to %s); otaccess neither follows nor replaces links: give the real path, or - for standard output", path, target)
	case fi.IsDir():
		return fmt.Errorf("write %s: it is a directory; give a file name", path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("write %s: it is not a regular file (%s); otaccess does not replace devices, pipes or sockets: use - for standard output", path, fi.Mode().Type())
	}
	return nil
}

// WriteNewFile writes data to path only if nothing is there yet (the
// check and the create are one step: O_EXCL), 0600; an existing path is
// an error wrapping os.ErrExist, so a caller asks before WriteFile
// replaces it.
func WriteNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
