package dnsd_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/rampart/rampart/internal/testpeers/dnsd"
)

func TestServer(t *testing.T) {
	srv := dnsd.Start(t, map[string]dnsd.Records{
		"mail.test":      {MX: []dnsd.MX{{Host: "mx1.mail.test", Pref: 10}}, A: []string{"192.0.2.1"}, AAAA: []string{"2001:db8::1"}},
		"Upper.TEST.":    {TXT: []string{"hello"}},
		"broken.test":    {ServFail: true},
		"blackhole.test": {Drop: true},
	})
	r := srv.Resolver()
	ctx := context.Background()

	mx, err := r.LookupMX(ctx, "mail.test.")
	if err != nil || len(mx) != 1 || mx[0].Host != "mx1.mail.test." || mx[0].Pref != 10 {
		t.Errorf("LookupMX = %v, %v", mx, err)
	}
	ips, err := r.LookupNetIP(ctx, "ip", "mail.test.")
	if err != nil || len(ips) != 2 {
		t.Errorf("LookupNetIP = %v, %v", ips, err)
	}
	if txt, err := r.LookupTXT(ctx, "upper.test."); err != nil || len(txt) != 1 || txt[0] != "hello" {
		t.Errorf("LookupTXT (case-insensitive name) = %v, %v", txt, err)
	}

	for _, name := range []string{"missing.test.", "upper.test."} { // NXDOMAIN and NODATA
		_, err := r.LookupMX(ctx, name)
		if dnsErr, ok := errors.AsType[*net.DNSError](err); !ok || !dnsErr.IsNotFound {
			t.Errorf("LookupMX(%s): err = %v, want not found", name, err)
		}
	}

	_, err = r.LookupMX(ctx, "broken.test.")
	if dnsErr, ok := errors.AsType[*net.DNSError](err); !ok || dnsErr.IsNotFound || !dnsErr.IsTemporary {
		t.Errorf("LookupMX(broken): err = %#v, want a temporary failure", err)
	}

	tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err = r.LookupMX(tctx, "blackhole.test.")
	if dnsErr, ok := errors.AsType[*net.DNSError](err); !ok || dnsErr.IsNotFound || !dnsErr.IsTimeout {
		t.Errorf("LookupMX(blackhole): err = %#v, want a timeout", err)
	}

	// The same port answers over TCP, and NXDOMAIN is an rcode, not just
	// an empty answer.
	c := &dns.Client{Net: "tcp"}
	q := new(dns.Msg).SetQuestion("missing.test.", dns.TypeA)
	resp, _, err := c.Exchange(q, srv.Addr)
	if err != nil || resp.Rcode != dns.RcodeNameError {
		t.Errorf("TCP query: %v, %v; want NXDOMAIN", resp, err)
	}

	srv.Delete("mail.test")
	if _, err := r.LookupMX(ctx, "mail.test."); err == nil {
		t.Errorf("LookupMX after Delete succeeded")
	}
	if srv.Queries() == 0 {
		t.Errorf("Queries() = 0")
	}
}
