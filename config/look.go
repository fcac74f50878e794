package config

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Setting is one line of [keys] or [theme], as written: the name, its
// value(s) and its line in the file (0 when it cannot be told, e.g. an
// inline table). The UI checks the names and values (ui.KeyMap.Rebind,
// ui.ThemedStyles); the file only knows their shape.
type Setting struct {
	Name   string
	Values []string
	Line   int
}

// KeySettings are the [keys] lines: an action and the keys it gets.
func (f *File) KeySettings() []Setting { return f.keys }

// ThemeSettings are the [theme] lines: a color name and its value.
func (f *File) ThemeSettings() []Setting { return f.theme }

// Path is the file the config was read from.
func (f *File) Path() string { return f.path }

// readLook turns the decoded [keys] and [theme] tables into settings in
// the file's order, or says which line has the wrong shape: a key is a
// string or a list of strings, a color a string or a number.
func (f *File) readLook(data []byte) error {
	var err error
	if f.keys, err = settings(data, "keys", f.Keys, func(v any) ([]string, bool) {
		switch v := v.(type) {
		case string:
			return []string{v}, true
		case []any:
			out := make([]string, 0, len(v))
			for _, e := range v {
				s, ok := e.(string)
				if !ok {
					return nil, false
				}
				out = append(out, s)
			}
			return out, true
		}
		return nil, false
	}, `a key ("/") or a list of keys (["q", "ctrl+c"])`); err != nil {
		return err
	}
	f.theme, err = settings(data, "theme", f.Theme, func(v any) ([]string, bool) {
		switch v := v.(type) {
		case string:
			return []string{v}, true
		case int64:
			return []string{strconv.FormatInt(v, 10)}, true
		}
		return nil, false
	}, `a color: "#rrggbb", "#rgb" or an ANSI color number 0-255`)
	return err
}

func settings(data []byte, table string, m map[string]any, values func(any) ([]string, bool), want string) ([]Setting, error) {
	out := make([]Setting, 0, len(m))
	for name, v := range m {
		s := Setting{Name: name, Line: keyLine(data, table, name)}
		vals, ok := values(v)
		if !ok {
			return nil, fmt.Errorf("%s[%s] %s: expected %s", AtLine(s.Line), table, name, want)
		}
		s.Values = vals
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// AtLine is how a config error names its line, "line 12: ", or "" when
// the line cannot be told. The UI's checks of [keys] and [theme] name
// theirs with it too.
func AtLine(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("line %d: ", n)
}

// keyLine finds the line that sets key in table: `key = …` under
// `[table]`, or `table.key = …` at the top. The TOML decoder keeps the
// positions to itself; a config file is small, so reading it again is cheap.
func keyLine(data []byte, table, key string) int {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), len(data)+1)
	current := ""
	names := func(prefix string) []string {
		return []string{prefix + key, prefix + strconv.Quote(key), prefix + "'" + key + "'"}
	}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && !strings.HasPrefix(line, "[[") {
			if end := strings.Index(line, "]"); end > 0 {
				current = strings.TrimSpace(line[1:end])
			}
			continue
		}
		var candidates []string
		switch current {
		case table:
			candidates = names("")
		case "":
			candidates = names(table + ".")
		}
		for _, c := range candidates {
			if rest, ok := strings.CutPrefix(line, c); ok && strings.HasPrefix(strings.TrimSpace(rest), "=") {
				return n
			}
		}
	}
	return 0
}
