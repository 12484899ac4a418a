package e2e

import (
	"testing"

	"github.com/rampart/rampart/internal/token"
)

// TestChangeNoticesWithNPM: `npm deprecate`, `npm dist-tag add/rm` and
// `npm unpublish pkg@version`, run by an owner or a co-maintainer, each
// mail every maintainer once over SMTP, with what changed, who did it,
// with which token and from where. A deprecation of several versions is
// one mail listing them; a refused change mails nobody.
func TestChangeNoticesWithNPM(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	bob := signup(t, s, "bob", bobPW)
	carol := signup(t, s, "carol", alicePW)
	const name = "change-notice-pkg"
	owners := []string{"alice@example.com", "bob@example.com"}

	for _, v := range []string{"1.0.0", "1.0.1", "1.0.2", "2.0.0"} {
		publish(t, alice, pkg{Name: name, Version: v})
	}
	alice.MustRun("", "owner", "add", "bob", name)
	waitForMail(t, s, "bob@example.com", "bob is now an owner of "+name)

	// The co-maintainer deprecates three versions with one command.
	bob.MustRun("", "deprecate", name+"@<2", "moved to 2.x")
	for _, addr := range owners {
		m := waitForMail(t, s, addr, "Deprecation changed on "+name)
		mustContain(t, m.Text, "Deprecated:  1.0.0, 1.0.1, 1.0.2", "Message:     moved to 2.x", "Changed by: bob",
			"Using:      npm login session (token "+token.Mask(bob.Token())+")", "IP address: 127.0.0.1",
			s.URL+"package/"+name)
		if got := mailsTo(s, addr, "Deprecation changed on "+name); len(got) != 1 {
			t.Fatalf("%s got %d deprecation mails for one command, want 1", addr, len(got))
		}
	}

	// carol maintains nothing: her change is refused and mails nobody.
	mustFail(t, carol.Run("", "dist-tag", "add", name+"@1.0.0", "evil"))

	alice.MustRun("", "dist-tag", "add", name+"@1.0.2", "legacy")
	for _, addr := range owners {
		m := waitForMail(t, s, addr, "The legacy tag of "+name+" now points at 1.0.2")
		mustContain(t, m.Text, "Tag:        legacy", "Now:        1.0.2", "Was:        (a new tag)", "Changed by: alice")
	}
	// Mail goes out in the order of the changes: had carol's refused
	// change recorded anything, it would be here by now.
	for _, addr := range owners {
		if got := mailsTo(s, addr, "evil"); len(got) != 0 {
			t.Fatalf("a refused dist-tag change mailed %s: %q", addr, got[0].Subject)
		}
	}

	bob.MustRun("", "dist-tag", "rm", name, "legacy")
	for _, addr := range owners {
		m := waitForMail(t, s, addr, "The legacy tag of "+name+" was removed")
		mustContain(t, m.Text, "Was:        1.0.2", "Changed by: bob")
	}

	alice.MustRun("", "unpublish", name+"@1.0.1")
	for _, addr := range owners {
		m := waitForMail(t, s, addr, name+"@1.0.1 was unpublished")
		mustContain(t, m.Text, "Versions:       1.0.1", "Unpublished by: alice",
			"Using:          npm login session (token "+token.Mask(alice.Token())+")", "can never be used again")
	}
}
