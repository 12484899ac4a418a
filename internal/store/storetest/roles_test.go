package storetest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"
)

// TestEveryRoleHasCases fails when store.Tx gains a role that Run does
// not run, or Run names a role that store.Tx no longer has: a backend
// written role by role must find each role's cases under its name.
func TestEveryRoleHasCases(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../store.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var inTx []string
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != "Tx" {
			return true
		}
		for _, m := range ts.Type.(*ast.InterfaceType).Methods.List {
			if id, ok := m.Type.(*ast.Ident); ok && len(m.Names) == 0 {
				inTx = append(inTx, id.Name)
			}
		}
		return false
	})
	if len(inTx) == 0 {
		t.Fatal("found no roles embedded in store.Tx")
	}
	var inRun []string
	for _, r := range roles {
		if r.name != "Empty" && r.name != "Transactions" {
			inRun = append(inRun, r.name)
		}
	}
	if !slices.Equal(inRun, inTx) {
		t.Errorf("Run's roles = %v,\nstore.Tx's roles = %v (same names, same order)", inRun, inTx)
	}
}
