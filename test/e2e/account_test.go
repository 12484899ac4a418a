package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestAccount: adduser creates an account and logs in; whoami names it;
// logout revokes the token on the server (not just locally); login works
// again; a wrong password is refused with a clear message.
func TestAccount(t *testing.T) {
	t.Parallel()
	s := server(t, "")

	// adduser: a new account, logged in at once.
	n := signup(t, s, "alice", alicePW)
	tok := n.Token()
	if !tokenRE.MatchString(tok) || len(tok) != 40 {
		t.Fatalf("adduser stored token %q, want an rmp_ token of 40 characters", tok)
	}
	if got := n.MustRun("", "whoami").Stdout; got != "alice\n" {
		t.Fatalf("whoami after adduser = %q, want alice", got)
	}
	// The profile endpoint knows the account.
	if h := do(t, "GET", s.URL+"-/npm/v1/user", tok, nil); h.Status != 200 || h.JSON(t)["email"] != "alice@example.com" {
		t.Fatalf("profile: %d %s", h.Status, h.Body)
	}

	// adduser with a taken name and a wrong password does not log in.
	other := anon(t, s)
	out, err := other.Interactive("", []string{"Username:", "Password:", "Email"}, []string{"alice", "not-the-password-9", "alice2@example.com"}, "adduser", "--auth-type=legacy")
	if err == nil || strings.Contains(out, "Logged in") {
		t.Fatalf("adduser with a taken name logged in:\n%s", out)
	}

	// logout: the local token is removed...
	n.MustRun("", "logout")
	if n.Token() != "" {
		t.Fatalf("token still in .npmrc after logout:\n%s", read(t, filepath.Join(n.Home, ".npmrc")))
	}
	mustFail(t, n.Run("", "whoami"), "ENEEDAUTH", "This command requires you to be logged in")

	// ...and revoked on the server: reusing it fails with the server's message.
	n.SetToken(tok)
	mustFail(t, n.Run("", "whoami"),
		"E401",
		"401 Unauthorized - GET "+s.URL+"-/whoami - this token ("+tok[:8]+") was revoked on ",
		"log in again with `npm login` or create a new token")

	// login again with the same user, in a fresh environment, through the
	// password prompts (plain `npm login` uses the web flow: see
	// test/browser/passkey_test.go).
	n2 := anon(t, s)
	out, err = n2.Interactive("", []string{"Username:", "Password:"}, []string{"alice", alicePW}, "login", "--auth-type=legacy")
	if err != nil {
		t.Fatalf("npm login: %v\n%s", err, out)
	}
	mustContain(t, out, "Logged in on "+s.URL+".")
	if got := n2.MustRun("", "whoami").Stdout; got != "alice\n" {
		t.Fatalf("whoami after login = %q", got)
	}
	if n2.Token() == tok {
		t.Fatal("login handed out the revoked token again")
	}

	// A wrong password: npm shows the server's message, and stores nothing.
	n3 := anon(t, s)
	out, err = n3.Interactive("", []string{"Username:", "Password:"}, []string{"alice", "wrong-password-123"}, "login", "--auth-type=legacy")
	if err == nil {
		t.Fatalf("login with a wrong password succeeded:\n%s", out)
	}
	mustContain(t, out, "E401", "PUT "+s.URL+"-/user/org.couchdb.user:alice - incorrect user name or password")
	mustNotContain(t, out, "Logged in")
	if n3.Token() != "" {
		t.Fatal("a token was stored after a failed login")
	}
	// An unknown user gets the same message (no account enumeration).
	out, _ = n3.Interactive("", []string{"Username:", "Password:"}, []string{"nobody-here", "wrong-password-123"}, "login", "--auth-type=legacy")
	mustContain(t, out, "incorrect user name or password")
}

// TestLoginWithDeadToken: a user whose configured token is dead (revoked
// or expired) runs `npm login`. npm sends the old token along with the
// login PUT; the login must still work, or the user is stuck.
func TestLoginWithDeadToken(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	n := signup(t, s, "alice", alicePW)
	tok := n.Token()
	n.MustRun("", "logout")
	n.SetToken(tok) // the old, revoked token is still configured
	mustFail(t, n.Run("", "whoami"), "was revoked on")
	t.Run("logout clears a dead token", func(t *testing.T) {
		r := n.Run("", "logout")
		if r.Err != nil {
			t.Fatalf("npm logout of a dead token failed; it must succeed so npm forgets the token:\n%s", r.Output())
		}
		if n.Token() != "" {
			t.Fatal("token still in .npmrc after logout")
		}
		n.SetToken(tok)
	})
	n.Login("alice", alicePW, "")
	if got := n.MustRun("", "whoami").Stdout; got != "alice\n" {
		t.Fatalf("whoami after re-login = %q", got)
	}
}
