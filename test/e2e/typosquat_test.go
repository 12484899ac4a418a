package e2e

import (
	"strings"
	"testing"
)

// TestTyposquatRefusedThenAllowed: the real npm CLI's `npm publish` of a
// new name imitating a popular one is refused with a message naming the
// package it resembles and how to ask for review; ordinary names publish;
// once an administrator allows the name, the same publish goes through.
func TestTyposquatRefusedThenAllowed(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)

	dir := writePkg(t, pkg{Name: "lodahs", Version: "1.0.0"})
	mustFail(t, alice.Run(dir, "publish"), "E403", "the new package name lodahs is refused because it resembles the popular package lodash",
		"rampart admin name allow lodahs")
	mustFail(t, alice.Run(writePkg(t, pkg{Name: "lo-dash", Version: "1.0.0"}), "publish"), "E403", "resembles the popular package lodash")
	mustFail(t, alice.Run(writePkg(t, pkg{Name: "reactjs-dom", Version: "1.0.0"}), "publish"), "E403", "resembles the popular package react-dom")

	publish(t, alice, pkg{Name: "left-pad-ng", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "my-lib", Version: "1.0.0"})

	out, err := s.Admin(t, "", "name", "allow", "lodahs", "--reason", "reviewed: the Lodahs project")
	if err != nil || !strings.Contains(out, "allowed the name lodahs") {
		t.Fatalf("admin name allow: %v\n%s", err, out)
	}
	publish(t, alice, pkg{Name: "lodahs", Version: "1.0.0"})
	// An existing name is never checked again: its next version publishes.
	publish(t, alice, pkg{Name: "lodahs", Version: "1.0.1"})
}
