package authz_test

import (
	"errors"
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
)

// otherHints words advice as another client would, to show that the
// breached-password advice is the front-end's to word.
type otherHints struct{ npm.Hints }

func (otherHints) ChangePassword(url string) string {
	return "open " + url + " in a browser to change it"
}

// TestPasswordBreachedIsOneRule: a principal whose password was found in
// a breach (the PasswordBreached fact, or the account's own flag) may
// read packages and nothing else, and gets no new credential; the
// refusal is typed (ReasonPasswordBreached), forbidden, and its advice is
// worded by the front-end's hints. A clean account may be issued a
// credential; a disabled one may not, by the same action.
func TestPasswordBreachedIsOneRule(t *testing.T) {
	clean := &core.User{ID: 9, Name: "cleo", EmailVerified: true}
	const page = "https://npm.example/account/password"
	for _, tc := range []struct {
		name string
		p    authz.Principal
	}{
		{"fact set by authentication", authz.Principal{User: clean, PasswordBreached: true, AccountURL: "https://npm.example/account"}},
		{"account flag alone", authz.Principal{User: breached, AccountURL: "https://npm.example/account"}},
		{"npm login token", authz.Principal{User: clean, PasswordBreached: true, Token: sessionToken(), AccountURL: "https://npm.example/account"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := authz.Authorize(tc.p, authz.ReadPackage, public); err != nil {
				t.Fatalf("reading a public package: %v", err)
			}
			if err := authz.Authorize(tc.p, authz.UseCredentials, account); err != nil {
				t.Fatalf("using the credential at all (reads): %v", err)
			}
			for _, a := range []authz.Action{authz.PublishVersion, authz.CreateTokens, authz.ChangeEmail, authz.RemoveMFA, authz.IssueCredentials} {
				p := tc.p
				if a == authz.IssueCredentials {
					p.Token = nil // issuing is asked for a sign-in, never with a token
				}
				err := authz.Authorize(p, a, public)
				var r *authz.Refusal
				if !errors.As(err, &r) || r.Reason != authz.ReasonPasswordBreached || core.KindOf(err) != core.KindForbidden {
					t.Fatalf("%s: %v (%v), want a forbidden refusal with ReasonPasswordBreached", a, err, core.KindOf(err))
				}
				if got, want := core.Message(authz.Render(err, npm.Hints{})), "your password appears in a known data breach; change it at "+page; got != want {
					t.Errorf("%s, npm's words: %q, want %q", a, got, want)
				}
				if got, want := core.Message(authz.Render(err, otherHints{})), "your password appears in a known data breach; open "+page+" in a browser to change it"; got != want {
					t.Errorf("%s, another client's words: %q, want %q", a, got, want)
				}
				if got := core.Message(err); got != "your password appears in a known data breach; change it at "+page {
					t.Errorf("%s, unworded: %q", a, got)
				}
			}
		})
	}
	if err := authz.Authorize(authz.Principal{User: clean}, authz.IssueCredentials, account); err != nil {
		t.Fatalf("issuing a credential to a clean account: %v", err)
	}
	err := authz.Authorize(authz.Principal{User: disabled}, authz.IssueCredentials, account)
	if core.KindOf(err) != core.KindForbidden || core.Message(err) != "account dora is disabled; contact the registry's administrators" {
		t.Fatalf("issuing a credential to a disabled account: %v", err)
	}
	if err := authz.Authorize(authz.Principal{}, authz.IssueCredentials, account); core.KindOf(err) != core.KindUnauthenticated {
		t.Fatalf("issuing a credential to nobody: %v", err)
	}
}
