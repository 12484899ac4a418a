package browser

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	oidcpeer "github.com/rampart/rampart/internal/testpeers/oidc"
	"github.com/rampart/rampart/internal/testserver"
)

// ssoConfig is a registry with one identity provider whose group "eng"
// gives membership of acme and its developers team.
func ssoConfig(issuer string) string {
	return `
[[sso]]
name = "corp"
display_name = "Corp SSO"
issuer = "` + issuer + `"
client_id = "rampart"
client_secret_env = "CORP_SSO_SECRET"

[[sso.groups]]
group = "eng"
org = "acme"
team = "developers"
`
}

// TestSSOSignInMapsGroupsToTeam: erin, who has no account yet, clicks
// "Sign in with Corp SSO" on the sign-in page, is approved by the
// provider (on loopback) and lands back signed in, with an account made
// for her and, from her group "eng", membership of acme and its
// developers team. When the provider no longer lists the group, her next
// sign-in removes the membership.
func TestSSOSignInMapsGroupsToTeam(t *testing.T) {
	t.Parallel()
	idp := oidcpeer.Start(t)
	idp.SetClient("rampart", "corp-client-secret")
	idp.SetUser(oidcpeer.LoginUser{Subject: "corp-1001", Email: "erin@corp.example", EmailVerified: true, Username: "erin", Groups: []string{"staff", "eng"}})
	s := testserver.Start(t, testserver.Options{SMTP: true, Config: ssoConfig(idp.URL), Env: []string{"CORP_SSO_SECRET=corp-client-secret"}})
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	if out, err := s.Admin(t, "", "org", "create", "acme", "--owner", "alice"); err != nil {
		t.Fatalf("org create: %v\n%s", err, out)
	}
	alice := testserver.NewNPM(t, s.URL)
	alice.Login("alice", alicePW, "")

	b := newBrowser(t, 120*time.Second)
	signIn := func() {
		b.run("sign in with Corp SSO",
			chromedp.Navigate(s.URL+"login"),
			chromedp.WaitVisible(chromedp.CSS(`#sso-corp`)),
			chromedp.Click(chromedp.CSS(`#sso-corp`)),
			chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)),
		)
		b.signedInAs("erin")
	}
	if got := b.eval(`""`); got != "" {
		t.Fatal(got)
	}
	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login"), chromedp.WaitVisible(chromedp.CSS(`#sso-corp`)))
	if got := b.text(`#sso-corp`); got != "Sign in with Corp SSO" {
		t.Fatalf("button %q", got)
	}
	signIn()
	mustContain(t, alice.MustRun("", "org", "ls", "acme").Stdout, "erin")
	mustContain(t, alice.MustRun("", "team", "ls", "acme:developers").Stdout, "erin")
	waitForMail(t, s, "erin@corp.example", "The organisation acme changed")

	// The group is gone at the provider: the next sign-in removes her.
	b.signOut()
	idp.SetUser(oidcpeer.LoginUser{Subject: "corp-1001", Email: "erin@corp.example", EmailVerified: true, Username: "erin", Groups: []string{"staff"}})
	signIn()
	if out := alice.MustRun("", "org", "ls", "acme").Stdout; strings.Contains(out, "erin") {
		t.Fatalf("erin is still a member of acme:\n%s", out)
	}
	if out := alice.MustRun("", "team", "ls", "acme:developers").Stdout; strings.Contains(out, "erin") {
		t.Fatalf("erin is still in acme:developers:\n%s", out)
	}
}
