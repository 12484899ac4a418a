package e2e

import (
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
