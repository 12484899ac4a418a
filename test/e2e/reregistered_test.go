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

// registeredSince is what RDAP says of a domain registered at reg and
// valid for another year: live in every way the lapse checks look at.
func registeredSince(reg time.Time) rdapd.Domain {
	return rdapd.Domain{Statuses: []string{"active"}, Events: []rdapd.Event{
		{Action: "registration", Date: reg},
		{Action: "expiration", Date: time.Now().AddDate(1, 0, 0)},
	}}
}

// waitForResetOutcome waits until the server either mailed a reset link
// to addr or logged that it refused one (the link goes out after the
// answer, in the background).
func waitForResetOutcome(t *testing.T, s *testserver.Server, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.Log(), "password reset refused: the address's domain is abandoned") && len(mailsTo(s, addr, "Reset your Rampart password")) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the server neither mailed a reset link to %s nor logged a refusal", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// reRegisteredServer runs a registry whose DNS and RDAP peers know the
// given domains, each live and registered years ago.
func reRegisteredServer(t *testing.T, domains ...string) *testserver.Server {
	t.Helper()
	live := dnsd.Records{MX: []dnsd.MX{{Host: "mx.mail.test", Pref: 10}}, NS: []string{"ns1.mail.test"}}
	longAgo := time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC)
	zone, rdap := map[string]dnsd.Records{}, map[string]rdapd.Domain{}
	for _, d := range domains {
		zone[d], rdap[d] = live, registeredSince(longAgo)
	}
	return testserver.Start(t, testserver.Options{SMTP: true, DNSZone: zone, RDAPDomains: rdap})
}

// TestReRegisteredDomainGetsNoResetLink (review item 20): a domain whose
// registration began after an address on it was verified was registered
// again, by whoever took it over when it lapsed: it is live in DNS and
// active over RDAP, but the address proves nothing any more. A password
// reset asked for such an address gets the usual answer and no link.
func TestReRegisteredDomainGetsNoResetLink(t *testing.T) {
	t.Parallel()
	s := reRegisteredServer(t, "lapsed.test")
	const addr = "erin@lapsed.test"
	testserver.NewNPM(t, s.URL).Login("erin", alicePW, addr)
	followMailedLink(t, s, addr, "verify-email", nil)
	// Someone registers the domain again (RDAP dates have whole seconds,
	// hence the minute's margin after the verification).
	s.RDAP.Set("lapsed.test", registeredSince(time.Now().Add(time.Minute)))

	status, body := browser(t, "POST", s.URL+"forgot-password", url.Values{"email": {addr}})
	if status != http.StatusOK || !strings.Contains(body, "Check your mail") {
		t.Fatalf("forgot-password: status %d, want the usual answer:\n%s", status, body)
	}
	waitForResetOutcome(t, s, addr)
	if got := mailsTo(s, addr, "Reset your Rampart password"); len(got) != 0 {
		t.Fatalf("a reset link went to %s, whose domain was registered again after it was verified", addr)
	}
}

// TestReRegisteredFormerAddressGetsNoRecoveryNotice (review item 20): a
// former address on a domain registered again since it was verified gets
// no notice of an admin-assisted recovery, whose cancel link would let
// the domain's new holder cancel the owner's recovery again and again.
// The current address, on a domain registered long ago, gets its notice.
func TestReRegisteredFormerAddressGetsNoRecoveryNotice(t *testing.T) {
	t.Parallel()
	s := reRegisteredServer(t, "lapsed.test", "steady.test")
	const oldAddr, newAddr = "gwen@lapsed.test", "gwen@steady.test"
	testserver.NewNPM(t, s.URL).Login("gwen", bobPW, oldAddr)
	followMailedLink(t, s, oldAddr, "verify-email", nil)
	w := newBrowser(t, s, firefoxUA)
	w.mustRedirect("POST", s.URL+"login", url.Values{"name": {"gwen"}, "password": {bobPW}, "next": {"/account"}}, "/account")
	w.mustRedirect("POST", s.URL+"account/email", url.Values{"email": {newAddr}, "password": {bobPW}}, "/account?email-sent=1")
	mustContain(t, followMailedLink(t, s, newAddr, "confirm-email", nil), "Email address changed")
	s.RDAP.Set("lapsed.test", registeredSince(time.Now().Add(time.Minute)))

	out, err := s.Admin(t, "", "user", "recover", "gwen", "--reason", "asked from "+newAddr+", lost phone")
	if err != nil {
		t.Fatalf("admin user recover: %v\n%s", err, out)
	}
	m := waitForMail(t, s, newAddr, "Account recovery started")
	mustContain(t, m.Text, s.URL+"account/recovery/cancel?token=")
	// The admin command mails before it exits: everything is in.
	if got := mailsTo(s, oldAddr, "Account recovery started"); len(got) != 0 {
		t.Fatalf("the recovery notice with its cancel link went to %s, whose domain was registered again after it was verified:\n%s", oldAddr, got[0].Text)
	}
}
