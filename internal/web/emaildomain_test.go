package web_test

import (
	"html"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/testpeers/dnsd"
	"github.com/rampart/rampart/internal/testpeers/rdapd"
)

// TestAbandonedDomainPrompt (AUTHN-2a): the periodic recheck, against a
// real DNS server and a real RDAP server on loopback, finds alice's domain
// pending delete and un-verifies her address; her account page then asks
// her to add another, and changing it through the mailed link clears it.
func TestAbandonedDomainPrompt(t *testing.T) {
	now := time.Now()
	active := rdapd.Domain{Statuses: []string{"active"}, Events: []rdapd.Event{{Action: "expiration", Date: now.AddDate(1, 0, 0)}}}
	dns := dnsd.Start(t, map[string]dnsd.Records{
		"lapse.test":   {MX: []dnsd.MX{{Host: "mx.lapse.test", Pref: 10}}, NS: []string{"ns1.lapse.test"}},
		"healthy.test": {MX: []dnsd.MX{{Host: "mx.healthy.test", Pref: 10}}, NS: []string{"ns1.healthy.test"}},
	})
	rdap := rdapd.Start(t, map[string]rdapd.Domain{"lapse.test": active, "healthy.test": active})
	e := newEnv(t, "", func(c *config.Config) {
		c.EmailDomains.Check = true
		c.EmailDomains.DNSServer = dns.Addr
		c.EmailDomains.RDAPServer = rdap.URL
	})
	if _, err := e.svc.Identity.CreateUser(t.Context(), "", identity.NewUser{Name: "alice", Email: "alice@lapse.test", Password: testPassword, Verified: true}); err != nil {
		t.Fatal(err)
	}
	cookie := e.signIn("alice")
	w := e.browserGet("/account", cookie)
	wantStatus(t, w, http.StatusOK)
	wantNotContains(t, w.Body.String(), "email-domain-abandoned")

	rdap.Set("lapse.test", rdapd.Domain{Statuses: []string{"pending delete"}})
	if checked, abandoned, err := e.svc.Identity.RecheckEmailDomains(t.Context(), 10); err != nil || checked != 1 || abandoned != 1 {
		t.Fatalf("RecheckEmailDomains = %d, %d, %v; want 1 checked, 1 abandoned", checked, abandoned, err)
	}
	if e.user2("alice").EmailVerified {
		t.Fatal("the address is still verified")
	}
	w = e.browserGet("/account", cookie)
	wantStatus(t, w, http.StatusOK)
	body := html.UnescapeString(w.Body.String())
	wantContains(t, body, "email-domain-abandoned", "Add another email address", "pending delete", `action="/account/email"`)

	// Another address: the link goes to it, and following it replaces
	// the old one, verified; the prompt is gone.
	w = e.postForm("/account/email", url.Values{"email": {"alice@healthy.test"}, "password": {testPassword}}, cookie)
	wantStatus(t, w, http.StatusSeeOther)
	link := e.outboxLink("alice@healthy.test", identity.PathConfirmEmail)
	w = e.browserGet(link)
	wantStatus(t, w, http.StatusOK)
	token, _ := url.ParseQuery(link[len("/"+identity.PathConfirmEmail+"?"):])
	w = e.postForm("/"+identity.PathConfirmEmail, url.Values{"token": {token.Get("token")}})
	wantStatus(t, w, http.StatusOK)
	wantContains(t, html.UnescapeString(w.Body.String()), "alice@healthy.test is now your account")
	u := e.user2("alice")
	if u.Email != "alice@healthy.test" || !u.EmailVerified {
		t.Fatalf("after the link: %s verified=%v", u.Email, u.EmailVerified)
	}
	w = e.browserGet("/account", cookie)
	wantNotContains(t, w.Body.String(), "email-domain-abandoned")
}
