package browser

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// TestAdminEnrolsPasskeyOnFirstSignIn (review item 12): an administrator
// created from the console signs in with the password alone and lands on
// the security keys page, told why; every other page sends it back there.
// It registers a passkey with the browser's authenticator, and then the
// site opens; signing in again with the passkey alone works.
func TestAdminEnrolsPasskeyOnFirstSignIn(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{SMTP: true})
	if out, err := s.Admin(t, alicePW+"\n", "user", "create", "--name", "chief", "--email", "chief@example.com", "--admin", "--verified", "--password-stdin"); err != nil {
		t.Fatalf("admin user create --admin: %v\n%s", err, out)
	}
	b := newBrowser(t, 3*time.Minute)
	b.addAuthenticator(platformPasskeys)

	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/account"))
	b.enterPassword("chief", alicePW, `nav.account .who`)
	if loc := b.location(); !strings.HasSuffix(loc, "/account/security-keys") {
		t.Fatalf("after signing in the administrator is at %s, want the security keys page", loc)
	}
	mustContain(t, b.text(`main`), "administrators need a security key or passkey")
	b.run("open the account page", chromedp.Navigate(s.URL+"account"), chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)))
	if loc := b.location(); !strings.HasSuffix(loc, "/account/security-keys") {
		t.Fatalf("the account page of an administrator without a key opened at %s, want the security keys page", loc)
	}

	b.registerKey(s.URL, "Admin laptop", "passkey")
	mustContain(t, waitForMail(t, s, "chief@example.com", "A passkey was added").Text, "Admin laptop")
	b.run("open the account page", chromedp.Navigate(s.URL+"account"), chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)))
	if loc := b.location(); !strings.HasSuffix(loc, "/account") {
		t.Fatalf("with a passkey the account page opened at %s, want /account", loc)
	}
	b.signedInAs("chief")

	b.signOut()
	b.run("sign in with the passkey",
		chromedp.Navigate(s.URL+"login?next=/account"),
		chromedp.WaitVisible(chromedp.CSS(`#passkey-signin`)),
		chromedp.Click(chromedp.CSS(`#passkey-signin`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)),
	)
	b.signedInAs("chief")
}

// TestAdminAreaManagesUsers (issue 13, admin tools): an administrator
// finds a user in /admin, makes them a moderator and disables them; the
// page shows each change and the staff's actions from the event log. A
// user who is not an administrator is refused the page.
func TestAdminAreaManagesUsers(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{SMTP: true})
	for _, u := range []struct{ name, role string }{{"chief", "--admin"}, {"bob", ""}, {"carol", ""}} {
		args := []string{"user", "create", "--name", u.name, "--email", u.name + "@example.com", "--verified", "--password-stdin"}
		if u.role != "" {
			args = append(args, u.role)
		}
		if out, err := s.Admin(t, alicePW+"\n", args...); err != nil {
			t.Fatalf("admin user create %s: %v\n%s", u.name, err, out)
		}
	}
	b := newBrowser(t, 3*time.Minute)
	b.addAuthenticator(platformPasskeys)
	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/account"))
	b.enterPassword("chief", alicePW, `nav.account .who`)
	b.registerKey(s.URL, "Admin laptop", "passkey")
	b.signOut()
	b.run("sign in with the passkey",
		chromedp.Navigate(s.URL+"login?next=/admin"),
		chromedp.WaitVisible(chromedp.CSS(`#passkey-signin`)),
		chromedp.Click(chromedp.CSS(`#passkey-signin`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)),
	)
	b.run("open the admin area from the header",
		chromedp.Navigate(s.URL),
		chromedp.WaitVisible(chromedp.CSS(`nav.account a[href="/admin"]`)),
		chromedp.Click(chromedp.CSS(`nav.account a[href="/admin"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.users`)),
	)
	mustContain(t, b.text(`table.users`), "bob", "carol", "chief")
	b.run("find bob",
		chromedp.SetValue(chromedp.CSS(`#user-q`), "BOB"),
		chromedp.Click(chromedp.CSS(`form.user-search button`)),
		chromedp.WaitVisible(chromedp.CSS(`tr.user[data-user="bob"]`)),
	)
	if got := b.text(`table.users tbody`); strings.Contains(got, "carol") {
		t.Fatalf("searching bob lists carol too:\n%s", got)
	}
	b.run("make bob a moderator",
		chromedp.Click(chromedp.CSS(`tr.user[data-user="bob"] form[action$="/moderator-on"] button`)),
		// The new page, not the old one still on screen: only it has
		// the revoke button.
		chromedp.WaitVisible(chromedp.CSS(`tr.user[data-user="bob"] form[action$="/moderator-off"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	mustContain(t, b.text(`p[role="status"]`), "bob is now a moderator")
	mustContain(t, b.text(`tr.user[data-user="bob"]`), "moderator")
	b.run("disable bob",
		chromedp.Click(chromedp.CSS(`tr.user[data-user="bob"] form[action$="/disable"] button`)),
		// The new page: a disabled account's row has no buttons (the old
		// page's status line would read "now a moderator").
		chromedp.WaitNotPresent(chromedp.CSS(`tr.user[data-user="bob"] form[action$="/disable"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	mustContain(t, b.text(`p[role="status"]`), "bob disabled")
	mustContain(t, b.text(`tr.user[data-user="bob"]`), "disabled")
	mustContain(t, b.text(`table.events`), "account.disable", "chief")

	// Not an administrator: refused.
	c := newBrowser(t, 2*time.Minute)
	c.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/admin"))
	c.enterPassword("carol", alicePW, `nav.account .who`)
	mustContain(t, c.text(`main`), "only registry administrators may do this")
	if n := evalAs[int](c, `document.querySelectorAll('nav.account a[href="/admin"]').length`); n != 0 {
		t.Fatal("a user who is not an administrator sees the Admin link")
	}
}
