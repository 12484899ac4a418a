package authn

import (
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
)

// TestTokenPatterns: npm patterns are accepted bare or with "npm:" and
// stored bare, once; another ecosystem's, or a malformed one, is refused
// saying what to write instead.
func TestTokenPatterns(t *testing.T) {
	got, err := tokenPatterns([]string{"left-pad", "npm:@acme/*", "npm:left-pad", "@acme/ui", "npm:@acme/ui"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"left-pad", "@acme/*", "@acme/ui"}; !slices.Equal(got, want) {
		t.Errorf("stored %q, want %q", got, want)
	}
	for _, c := range []struct{ in, says string }{
		{"go:example.com/*", `names packages of "go", which this registry does not serve`},
		{"NPM:left-pad", `names packages of "NPM"`},
		{"npm:", "is not a package name"},
		{"npm:Left-Pad", "is not a package name"},
		{"npm:npm:left-pad", `is not a package name`},
		{"@acme/*/x", "is not a package name"},
		{":left-pad", `names packages of ""`},
	} {
		_, err := tokenPatterns([]string{"left-pad", c.in})
		if core.KindOf(err) != core.KindInvalid || !strings.Contains(err.Error(), c.says) || !strings.Contains(err.Error(), "npm:") {
			t.Errorf("%q: %v, want invalid saying %q and how to name npm packages", c.in, err, c.says)
		}
	}
}
