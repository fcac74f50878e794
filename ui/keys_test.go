package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

// TestKeysOnlyFromKeyMap fails when a handler outside keys.go matches a key
// by its name ("esc", "q", msg.String() == …) or makes a binding of its own:
// every key must come from the KeyMap, so rebinding it rebinds the handler,
// the hint line and the help screen together.
func TestKeysOnlyFromKeyMap(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "keys.go" {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, p := range keyLiteralUses(f) {
			t.Errorf("%s: a key is matched outside keys.go; add a binding to the KeyMap", fset.Position(p))
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d files", checked)
	}
}

// keyLiteralUses finds, syntactically, the ways a key can be matched by
// name: comparing or switching on a key's String()/Keystroke()/Code/Text,
// and bubbles/key bindings or matches made outside the KeyMap.
func keyLiteralUses(f *ast.File) []token.Pos {
	var found []token.Pos
	isKeyValue := func(e ast.Expr) bool {
		switch e := ast.Unparen(e).(type) {
		case *ast.CallExpr:
			if sel, ok := e.Fun.(*ast.SelectorExpr); ok && len(e.Args) == 0 {
				return sel.Sel.Name == "String" || sel.Sel.Name == "Keystroke"
			}
		case *ast.SelectorExpr:
			return e.Sel.Name == "Code" || e.Sel.Name == "Text"
		}
		return false
	}
	isLiteral := func(e ast.Expr) bool {
		lit, ok := ast.Unparen(e).(*ast.BasicLit)
		// An empty string names no key (a check that a text is empty).
		return ok && (lit.Kind == token.STRING && lit.Value != `""` || lit.Kind == token.CHAR)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if (n.Op == token.EQL || n.Op == token.NEQ) &&
				(isKeyValue(n.X) && isLiteral(n.Y) || isKeyValue(n.Y) && isLiteral(n.X)) {
				found = append(found, n.Pos())
			}
		case *ast.SwitchStmt:
			if n.Tag != nil && isKeyValue(n.Tag) {
				found = append(found, n.Pos())
			}
		case *ast.SelectorExpr:
			if pkg, ok := n.X.(*ast.Ident); ok && pkg.Name == "key" {
				switch n.Sel.Name {
				case "NewBinding", "WithKeys", "Matches":
					found = append(found, n.Pos())
				}
			}
		}
		return true
	})
	return found
}

// The check itself must catch what it is for.
func TestKeyLiteralUsesCatches(t *testing.T) {
	for _, src := range []string{
		`if msg.String() == "esc" {}`,
		`if "q" != km.String() {}`,
		`switch km.String() { case "enter": }`,
		`if km.Code == 'x' {}`,
		`_ = key.NewBinding(key.WithKeys("tab"))`,
		`_ = key.Matches(km, b)`,
	} {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package p\nfunc f() {\n"+src+"\n}\n", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(keyLiteralUses(f)) == 0 {
			t.Errorf("not caught: %s", src)
		}
	}
	f, _ := parser.ParseFile(token.NewFileSet(), "x.go", "package p\nfunc f() {\nif matches(km, k.Back) {}\nif b.String() == s {}\nif p.Text == \"\" {}\n}\n", 0)
	if got := keyLiteralUses(f); len(got) != 0 {
		t.Errorf("false alarm at %v", got)
	}
}

// A rebound key map moves the handler, the hint line and the text that
// names the key together.
func TestReboundKeys(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	km := DefaultKeyMap()
	km.Filter = bind([]string{"f"}, "f", "filter")
	d := newDriver(t, New(Options{Snapshot: tn.snap, Service: tn.svc, Now: tn.now, Keys: &km}), 120, 24)
	d.contains("f to filter", "f filter")
	d.lacks("/ to filter")
	d.key("/")
	if d.m.top().typing() {
		t.Fatal("/ still focuses the filter after rebinding it to f")
	}
	d.key("f")
	if !d.m.top().typing() {
		t.Fatal("f does not focus the filter")
	}
}

// Offline, a review's decisions (they need only the cache) are available
// and applying them (it needs the tenant) is marked.
func TestReviewHintsOffline(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	d := newDriver(t, New(Options{Snapshot: tn.snap, Service: tn.svc.Offline(), Now: tn.now}), 100, 24)
	d.key("R", "n")
	d.typeText("hints")
	d.key("enter")
	s := reviewScreenOf(t, d.m)
	descs := map[string]string{}
	for _, b := range d.m.markDisabled(s.hints(d.m)) {
		descs[b.Help().Key] = b.Help().Desc
	}
	if got := descs["x"]; got != "decide revoke" {
		t.Errorf("x offline: %q, want revoke (it needs only the cache)", got)
	}
	if got := descs["A"]; got != "apply revocations (offline)" {
		t.Errorf("A offline: %q, want it marked offline", got)
	}
	// Without a cache, reviews are marked too.
	d2 := newDriver(t, New(Options{Snapshot: tn.snap, Now: tn.now}), 100, 24)
	if got := d2.m.markDisabled([]Binding{d2.m.keys.Review.Reviews})[0].Help().Desc; got != "reviews (no cache)" {
		t.Errorf("R without a cache: %q", got)
	}
}
