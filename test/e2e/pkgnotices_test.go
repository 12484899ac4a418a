package e2e

import (
	"net/http"
	"testing"

	"github.com/rampart/rampart/internal/token"
)

// TestPackageNotices: over SMTP, every maintainer hears of a publish (the
// publisher included) and every owner of an owner added or removed (the
// new and the removed one included), with who did it, with which token
// and from where. Every mail goes to one address.
func TestPackageNotices(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	bob := signup(t, s, "bob", bobPW)
	const name = "notice-pkg"
	pkgURL := s.URL + "package/" + name

	publish(t, alice, pkg{Name: name, Version: "1.0.0"})
	m := waitForMail(t, s, "alice@example.com", name+"@1.0.0 was published")
	mustContain(t, m.Text, "Hello alice,", "Version:      1.0.0", "Published by: alice",
		"Using:        npm login session (token "+token.Mask(alice.Token())+")",
		"IP address: 127.0.0.1", pkgURL, s.URL+"account")
	if len(m.To) != 1 {
		t.Fatalf("the publish mail went to %v", m.To)
	}
	// The link in the mail is the package's page.
	if status, body := browser(t, http.MethodGet, pkgURL, nil); status != http.StatusOK {
		t.Fatalf("GET %s: status %d:\n%s", pkgURL, status, body)
	}

	mustContain(t, alice.MustRun("", "owner", "add", "bob", name).Stdout, "+ bob ("+name+")")
	for _, addr := range []string{"alice@example.com", "bob@example.com"} {
		m := waitForMail(t, s, addr, "bob is now an owner of "+name)
		mustContain(t, m.Text, "Added:    bob", "Added by: alice")
		if len(m.To) != 1 {
			t.Fatalf("the owner-added mail went to %v", m.To)
		}
	}

	publish(t, bob, pkg{Name: name, Version: "1.0.1"})
	m = waitForMail(t, s, "alice@example.com", name+"@1.0.1 was published")
	mustContain(t, m.Text, "Hello alice,", "Version:      1.0.1", "Published by: bob",
		"Using:        npm login session (token "+token.Mask(bob.Token())+")")
	mustContain(t, waitForMail(t, s, "bob@example.com", name+"@1.0.1 was published").Text, "Hello bob,", "Published by: bob")

	mustContain(t, alice.MustRun("", "owner", "rm", "bob", name).Stdout, "- bob ("+name+")")
	for _, addr := range []string{"bob@example.com", "alice@example.com"} {
		mustContain(t, waitForMail(t, s, addr, "bob is no longer an owner of "+name).Text, "Removed:    bob", "Removed by: alice")
	}
}
