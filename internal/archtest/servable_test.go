package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServableIsTheOneRule fails when code outside internal/core (where
// core.Servable and the state rule live) and internal/store (which
// persists the fields) decides on an unpublish time itself: reads it
// with IsZero, Before, After, Equal or Compare, or compares it with ==,
// != or <. Whether a version or package is served is core.Servable's
// answer (or Version.State, Package.Unpublished); setting the field, or
// printing it in a message, stays allowed.
func TestServableIsTheOneRule(t *testing.T) {
	root := filepath.Join("..", "..")
	checked := 0
	for _, top := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if rel == "internal/core" || rel == "internal/store" || strings.HasPrefix(rel, "internal/store/") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			checked++
			for _, at := range unpublishedDecisions(t, path, src) {
				t.Errorf("%s:%d decides on UnpublishedAt itself; ask core.Servable (or Version.State, Package.Unpublished)", rel, at)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 50 {
		t.Fatalf("checked only %d files: is the walk rooted at the module?", checked)
	}
	// The check finds what it is meant to find.
	bad := []byte("package x\nfunc f(v *V) bool { return v.UnpublishedAt.IsZero() || v.UnpublishedAt == z }\n")
	if got := unpublishedDecisions(t, "x.go", bad); len(got) != 2 {
		t.Errorf("the check found %d decisions in a file with 2", len(got))
	}
}

// unpublishedDecisions returns the lines of src that read UnpublishedAt
// to decide something.
func unpublishedDecisions(t *testing.T, name string, src []byte) []int {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	isField := func(e ast.Expr) bool {
		s, ok := e.(*ast.SelectorExpr)
		return ok && s.Sel.Name == "UnpublishedAt"
	}
	var lines []int
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			switch n.Sel.Name {
			case "IsZero", "Before", "After", "Equal", "Compare":
				if isField(n.X) {
					lines = append(lines, fset.Position(n.Pos()).Line)
				}
			}
		case *ast.BinaryExpr:
			switch n.Op {
			case token.EQL, token.NEQ, token.LSS, token.GTR, token.LEQ, token.GEQ:
				if isField(n.X) || isField(n.Y) {
					lines = append(lines, fset.Position(n.Pos()).Line)
				}
			}
		}
		return true
	})
	return lines
}
