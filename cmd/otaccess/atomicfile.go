package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// writeFileAtomic writes data to path through a temporary file and a
// rename, so an evidence file is never seen half written. Evidence holds
// personal data (names, emails): 0600. "-" writes to w.
func writeFileAtomic(w io.Writer, path string, data []byte) error {
	if path == "-" {
		_, err := w.Write(data)
		return err
	}
	if err := checkExportPath(path); err != nil {
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

// checkExportPath refuses to export over anything but a regular file: the
// rename would replace a symbolic link (or writing through it would land
// where the user did not name), and would replace a device or a named
// pipe (as root, /dev/stdout is a link and /dev/null a device).
func checkExportPath(path string) error {
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
