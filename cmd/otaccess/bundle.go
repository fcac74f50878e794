package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/charmbracelet/x/term"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/tenant"
)

// writeBundle writes review r's evidence bundle into o.Bundle, signed when
// o.SignKey is set. The directory is made (0700) when missing; a link or
// anything but a directory is refused, and every file goes through
// writeFileAtomic, which refuses to write through links or over special
// files.
func writeBundle(ctx context.Context, o *reviewExportOptions, svc *access.Service, r *tenant.Review) error {
	files, err := svc.BuildBundle(ctx, r, o.now(), svc.Actor, o.History)
	if err != nil {
		return err
	}
	var sig []byte
	if o.SignKey != "" {
		key, err := os.ReadFile(o.SignKey)
		if err != nil {
			return fmt.Errorf("--sign: %w", err)
		}
		s, err := access.ParseSigningKey(key, o.passphrase(o.SignKey))
		if err != nil {
			return fmt.Errorf("--sign %s: %w", o.SignKey, err)
		}
		if sig, err = access.SignManifest(files[len(files)-1].Data, s); err != nil {
			return err
		}
	}
	if err := bundleDir(o.Bundle); err != nil {
		return err
	}
	for _, f := range files {
		if err := writeFileAtomic(o.io.Out, filepath.Join(o.Bundle, f.Name), f.Data); err != nil {
			return err
		}
	}
	sigPath := filepath.Join(o.Bundle, access.SignatureName)
	if sig != nil {
		if err := writeFileAtomic(o.io.Out, sigPath, sig); err != nil {
			return err
		}
	} else if err := export.CheckPath(sigPath); err != nil {
		return err
	} else if err := os.Remove(sigPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		// A signature of an earlier export would not match this manifest.
		return fmt.Errorf("remove the old %s: %w", sigPath, err)
	}
	n, what := len(files), "unsigned"
	if sig != nil {
		n, what = n+1, "the manifest signed with "+o.SignKey
	}
	fmt.Fprintf(o.io.ErrOut, "wrote the evidence bundle %s: %d files, %s\n", o.Bundle, n, what)
	return nil
}

// bundleDir makes dir (0700) or checks it is a real directory.
func bundleDir(dir string) error {
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("--bundle: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("--bundle: %w", err)
	case fi.Mode()&os.ModeSymlink != 0:
		target, _ := os.Readlink(dir)
		return fmt.Errorf("--bundle %s: it is a symbolic link (to %s); otaccess does not write through links: give the real path", dir, target)
	case !fi.IsDir():
		return fmt.Errorf("--bundle %s: it is not a directory", dir)
	}
	return nil
}

// passphrase asks for a key's passphrase at the terminal; nil (the key
// must be unencrypted) when there is none to ask at.
func (a *app) passphrase(path string) func() ([]byte, error) {
	if !a.io.InTerminal {
		return nil
	}
	f, ok := a.io.In.(*os.File)
	if !ok {
		return nil
	}
	return func() ([]byte, error) {
		fmt.Fprintf(a.io.ErrOut, "passphrase for %s: ", path)
		pw, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(a.io.ErrOut)
		return pw, err
	}
}
