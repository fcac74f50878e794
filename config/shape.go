package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Limits checked before the TOML decoder sees a file: its memory grows
// with the square of the nesting of inline tables and of dotted keys (a
// 300 KB file took 16 GB), and a config file needs neither deep nesting nor
// long keys nor megabytes.
const (
	maxConfigBytes = 1 << 20
	maxNesting     = 16 // arrays and inline tables inside each other
	maxKeyParts    = 16 // dots in one key: profiles.acme.url has 2
)

// readConfig reads at most maxConfigBytes+1 bytes: a config path naming
// /dev/zero or a huge file must not exhaust memory before checkText.
func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
}

// checkText refuses a config file the decoder should not be given: one
// that is too large, not UTF-8 text, nested too deep or with too long a
// dotted key. It follows TOML's strings and comments so that a URL or a
// token_command full of dots and brackets is not miscounted.
func checkText(data []byte) error {
	if len(data) > maxConfigBytes {
		return fmt.Errorf("%d bytes is too large for a config file (at most %d)", len(data), maxConfigBytes)
	}
	if !utf8.Valid(data) {
		line := 1 + strings.Count(string(data[:invalidAt(data)]), "\n")
		return fmt.Errorf("not UTF-8 text (line %d); save it as UTF-8", line)
	}
	depth, dots, line := 0, 0, 1
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			line++
			dots = 0
		case '#':
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			end := stringEnd(data, i)
			line += strings.Count(string(data[i:end]), "\n")
			i = end - 1
		case '[', '{':
			depth++
			dots = 0
			if depth > maxNesting {
				return fmt.Errorf("line %d: arrays or tables nested more than %d deep", line, maxNesting)
			}
		case ']', '}':
			depth = max(depth-1, 0)
		case '=', ',':
			dots = 0
		case '.':
			dots++
			if dots > maxKeyParts {
				return fmt.Errorf("line %d: a key with more than %d dotted parts", line, maxKeyParts)
			}
		}
	}
	return nil
}

// stringEnd is the offset just past the TOML string starting at data[i]
// (basic "…" with backslash escapes or literal '…', each also in its
// triple-quoted multi-line form); an unterminated one runs to the end (the
// decoder reports it).
func stringEnd(data []byte, i int) int {
	q := data[i]
	if i+2 < len(data) && data[i+1] == q && data[i+2] == q {
		delim := string([]byte{q, q, q})
		for j := i + 3; j < len(data); j++ {
			if q == '"' && data[j] == '\\' {
				j++
				continue
			}
			if strings.HasPrefix(string(data[j:min(j+3, len(data))]), delim) {
				// A closing delimiter may be followed by one or two more quotes.
				k := j + 3
				for k < len(data) && k < j+5 && data[k] == q {
					k++
				}
				return k
			}
		}
		return len(data)
	}
	for j := i + 1; j < len(data); j++ {
		switch {
		case q == '"' && data[j] == '\\':
			j++
		case data[j] == q:
			return j + 1
		case data[j] == '\n':
			return j // the decoder reports the unterminated string
		}
	}
	return len(data)
}

func invalidAt(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// expandHome turns a leading "~" or "~/" of a path into the home directory
// (HOME from getenv, else the OS's); other paths are returned unchanged.
func expandHome(p string, getenv func(string) string) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") && !strings.HasPrefix(p, "~"+string(filepath.Separator)) {
		return p, nil
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("%s: cannot expand ~: %w", p, err)
		}
	}
	return filepath.Join(home, p[1:]), nil
}
