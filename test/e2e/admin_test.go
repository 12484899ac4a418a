package e2e

import (
	"strings"
	"testing"
)

// TestAdminCommandKeepsTarballURLs: `rampart admin` commands "work whether
// or not rampart serve is running on the same folder". Running one must
// not change what the running server serves.
func TestAdminCommandKeepsTarballURLs(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "tiny-base", Version: "1.0.0"})
	want := s.URL + "tiny-base/-/tiny-base-1.0.0.tgz"
	if got := getDoc(t, s, "tiny-base").Versions["1.0.0"].Dist.Tarball; got != want {
		t.Fatalf("before: tarball %q", got)
	}
	s.CreateUser(t, "bob", "bob@example.com", bobPW)
	got := getDoc(t, s, "tiny-base").Versions["1.0.0"].Dist.Tarball
	if got != want {
		t.Fatalf("an admin command changed the running server's tarball URLs: got %q, want %q", got, want)
	}
	r := anon(t, s).MustRun(project(t), "install", "tiny-base")
	if !strings.Contains(r.Output(), "added 1 package") {
		t.Fatal(r.Output())
	}
}
