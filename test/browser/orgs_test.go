package browser

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// TestCreateOrgAndAddMember: alice signs in, creates the organisation
// acme from /orgs, lands on its page as its owner, adds bob (an existing
// verified account) as a member, who is mailed, and puts him in the
// developers team. A form another site sends is refused. No Content
// Security Policy violation is reported.
func TestCreateOrgAndAddMember(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{SMTP: true})
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	s.CreateUser(t, "bob", "bob@example.com", danaPW)
	s.CreateUser(t, "carol", "carol@example.com", erinPW)
	b := newBrowser(t, 120*time.Second)

	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/orgs"))
	b.enterPassword("alice", alicePW, `#org-create`)
	b.run("create the organisation acme",
		chromedp.SendKeys(chromedp.CSS(`#org-name`), "acme"),
		chromedp.Submit(chromedp.CSS(`#org-name`)),
		chromedp.WaitVisible(chromedp.CSS(`h1.orgname`)),
	)
	if got := b.text(`h1.orgname`); got != "@acme" {
		t.Fatalf("org page heading %q", got)
	}
	if got := b.text(`.my-role`); got != "owner" {
		t.Fatalf("alice's role %q, want owner", got)
	}
	waitForMail(t, s, "alice@example.com", "The organisation acme changed")

	b.run("add bob as a member",
		chromedp.SendKeys(chromedp.CSS(`#member-user`), "bob"),
		chromedp.SetValue(chromedp.CSS(`#member-role`), "member"),
		chromedp.Submit(chromedp.CSS(`#member-user`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	)
	if got := b.eval(`Array.from(document.querySelectorAll("table.members tbody tr")).map(r => r.querySelector(".member-name").innerText + "=" + r.querySelector(".member-role").innerText).join(" ")`); got != "alice=owner bob=member" {
		t.Fatalf("members %q, want alice=owner bob=member", got)
	}
	m := waitForMail(t, s, "bob@example.com", "The organisation acme changed")
	mustContain(t, m.Text, "bob was added as member", "By:           alice")

	b.run("put bob in the developers team",
		chromedp.SendKeys(chromedp.CSS(`.team input[name="user"]`), "bob"),
		chromedp.Submit(chromedp.CSS(`.team input[name="user"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	)
	if got := b.text(`.team .team-members`); !strings.Contains(got, "alice, bob") {
		t.Fatalf("developers team %q, want alice and bob", got)
	}

	b.run("open the org list", chromedp.Navigate(s.URL+"orgs"), chromedp.WaitVisible(chromedp.CSS(`ul.orgs`)))
	if got := b.text(`ul.orgs`); !strings.Contains(got, "@acme") || !strings.Contains(got, "owner") {
		t.Fatalf("alice's orgs %q", got)
	}

	// A form another site makes alice's browser send is refused (CSRF)
	// and changes nothing.
	page := `data:text/html,<form id="f" method="post" action="` + s.URL + `org/acme/member"><input name="user" value="carol"><input name="role" value="owner"></form><script>document.getElementById("f").submit()</script>`
	b.run("a cross-site form adds carol as owner", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`p.error`)))
	mustContain(t, b.text(`p.error`), "this form was sent from another site, so it was refused")
	b.run("reopen the org page", chromedp.Navigate(s.URL+"org/acme"), chromedp.WaitVisible(chromedp.CSS(`table.members`)))
	if got := b.text(`table.members`); strings.Contains(got, "carol") {
		t.Fatalf("a cross-site form changed the members: %q", got)
	}
}
