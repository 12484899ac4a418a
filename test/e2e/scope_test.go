package e2e

import (
	"testing"
)

// TestScopeBelongsToItsUser: a scope is the user of the same name. bob
// cannot create @alice/anything (nor squat @acme, which no account owns),
// and is told who owns it; alice can, and can then make bob an owner of
// her package, after which he publishes its new versions.
func TestScopeBelongsToItsUser(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	s.CreateUser(t, "bob", "bob@example.com", bobPW)
	alice := signup(t, s, "alice", alicePW)
	bob := login(t, s, "bob", bobPW)

	mustFail(t, bob.Run(writePkg(t, pkg{Name: "@alice/utils", Version: "1.0.0"}), "publish", "--access", "public"),
		"E403", "403 Forbidden - PUT "+s.URL+"@alice%2futils - the scope @alice belongs to the user alice; only alice may create packages in @alice/. Publish under your own scope (@bob/...)")
	mustFail(t, bob.Run(writePkg(t, pkg{Name: "@acme/internal-lib", Version: "9.9.9"}), "publish", "--access", "public"),
		"E403", "the scope @acme belongs to the user acme, and there is no such account on this registry")
	for _, name := range []string{"@alice/utils", "@acme/internal-lib"} {
		if h := packument(t, s, name, ""); h.Status != 404 {
			t.Fatalf("%s exists after a refused publish: %d %s", name, h.Status, h.Body)
		}
	}

	publish(t, alice, pkg{Name: "@alice/utils", Version: "1.0.0"}, "--access", "public")
	publish(t, bob, pkg{Name: "@bob/utils", Version: "1.0.0"}, "--access", "public")
	mustContain(t, alice.MustRun("", "owner", "add", "bob", "@alice/utils").Stdout, "+ bob (@alice/utils)")
	publish(t, bob, pkg{Name: "@alice/utils", Version: "1.1.0"})
	// Maintaining one package in the scope is not owning the scope.
	mustFail(t, bob.Run(writePkg(t, pkg{Name: "@alice/other", Version: "1.0.0"}), "publish", "--access", "public"),
		"E403", "the scope @alice belongs to the user alice")

	app := project(t)
	anon(t, s).MustRun(app, "install", "@alice/utils", "@bob/utils")
	if v := installedVersion(t, app, "@alice/utils"); v != "1.1.0" {
		t.Fatalf("installed @alice/utils@%s", v)
	}
}
