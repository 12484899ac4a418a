package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testpeers/dnsd"
	"github.com/rampart/rampart/internal/testpeers/rdapd"
	"github.com/rampart/rampart/internal/testserver"
)

// TestAbandonedEmailDomainRefusedAtAdduser (AUTHN-2a): the real binary,
// configured with [email_domains] dns_server and rdap_server pointing at a
// real DNS server and a real RDAP server on loopback, refuses `npm adduser`
// with an address at a domain that does not exist, with its reason; an
// address at a live domain signs up.
func TestAbandonedEmailDomainRefusedAtAdduser(t *testing.T) {
	t.Parallel()
	now := time.Now()
	s := testserver.Start(t, testserver.Options{
		SMTP: true,
		DNSZone: map[string]dnsd.Records{
			"live.test": {MX: []dnsd.MX{{Host: "mx.live.test", Pref: 10}}, NS: []string{"ns1.live.test"}},
		},
		RDAPDomains: map[string]rdapd.Domain{
			"live.test": {Statuses: []string{"active"}, Events: []rdapd.Event{{Action: "expiration", Date: now.AddDate(1, 0, 0)}}},
		},
	})
	n := anon(t, s)
	out, err := n.Interactive("", []string{"Username:", "Password:", "Email"}, []string{"dave", "a-long-and-unusual-passphrase-42", "dave@nowhere-at-all.test"}, "adduser", "--auth-type=legacy")
	if err == nil {
		t.Fatalf("adduser with an address at a non-existent domain succeeded:\n%s", out)
	}
	mustContain(t, out, "dave@nowhere-at-all.test", "the domain does not exist", "another domain")
	if s.DNS.Queries() == 0 {
		t.Fatal("the server never asked the DNS server")
	}

	ok := anon(t, s)
	out, err = ok.Interactive("", []string{"Username:", "Password:", "Email"}, []string{"erin", "a-long-and-unusual-passphrase-42", "erin@live.test"}, "adduser", "--auth-type=legacy")
	if err != nil {
		t.Fatalf("adduser with an address at a live domain failed: %v\n%s", err, out)
	}
}

// TestAbandonedEmailDomainBlocksRecovery (AUTHN-2a): an account signed up
// while its domain was live; the domain then lapses (gone from DNS,
// "pending delete" over RDAP). A password reset asked for that address
// gets the same answer as any other, but no link is mailed: whoever
// registers the lapsed domain cannot take the account. The address is no
// longer verified, so npm cannot publish from the account, and its
// account page asks for another address.
func TestAbandonedEmailDomainBlocksRecovery(t *testing.T) {
	t.Parallel()
	now := time.Now()
	live := dnsd.Records{MX: []dnsd.MX{{Host: "mx.lapsing.test", Pref: 10}}, NS: []string{"ns1.lapsing.test"}}
	s := testserver.Start(t, testserver.Options{
		SMTP:        true,
		DNSZone:     map[string]dnsd.Records{"lapsing.test": live, "live.test": live},
		RDAPDomains: map[string]rdapd.Domain{"lapsing.test": {Statuses: []string{"active"}, Events: []rdapd.Event{{Action: "expiration", Date: now.AddDate(0, 1, 0)}}}},
	})
	n := testserver.NewNPM(t, s.URL)
	n.Login("erin", alicePW, "erin@lapsing.test")
	followMailedLink(t, s, "erin@lapsing.test", "verify-email", nil)
	dir := writePkg(t, pkg{Name: "erin-pkg", Version: "1.0.0"})
	n.MustRun(dir, "publish")
	waitForMail(t, s, "erin@lapsing.test", "erin-pkg") // the publish notice, sent in the background

	// The domain lapses.
	s.DNS.Delete("lapsing.test")
	s.RDAP.Set("lapsing.test", rdapd.Domain{Statuses: []string{"pending delete"}, Events: []rdapd.Event{{Action: "expiration", Date: now.AddDate(0, 0, -40)}}})

	before := len(s.Mail.Messages())
	status, body := browser(t, "POST", s.URL+"forgot-password", url.Values{"email": {"erin@lapsing.test"}})
	if status != http.StatusOK || !strings.Contains(body, "Check your mail") {
		t.Fatalf("forgot-password: status %d, want the usual answer:\n%s", status, body)
	}
	// Mail is sent before the answer; none went out.
	for _, m := range s.Mail.Messages()[before:] {
		t.Errorf("mail to %v after the domain lapsed: %q", m.To, m.Subject)
	}

	dir = writePkg(t, pkg{Name: "erin-pkg", Version: "1.0.1"})
	mustFail(t, n.Run(dir, "publish"), "verify your email address first")
	w := newWebClient(t)
	if status, body := w.do("POST", s.URL+"login", url.Values{"name": {"erin"}, "password": {alicePW}, "next": {"/account"}}); status != http.StatusSeeOther {
		t.Fatalf("sign in: status %d:\n%s", status, body)
	}
	_, body = w.do("GET", s.URL+"account", nil)
	mustContain(t, body, "lapsing.test", "pending delete")
}
