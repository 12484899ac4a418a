package emaildomain_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/emaildomain"
	"github.com/rampart/rampart/internal/testpeers/dnsd"
	"github.com/rampart/rampart/internal/testpeers/rdapd"
)

var now = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// mailable is a domain that can receive mail.
func mailable(name string) dnsd.Records {
	return dnsd.Records{
		MX: []dnsd.MX{{Host: "mx." + name, Pref: 10}},
		A:  []string{"192.0.2.10"},
		NS: []string{"ns1." + name},
	}
}

func registered(statuses ...string) rdapd.Domain {
	return rdapd.Domain{
		Statuses: statuses,
		Events: []rdapd.Event{
			{Action: "registration", Date: now.AddDate(-5, 0, 0)},
			{Action: "expiration", Date: now.AddDate(1, 0, 0)},
		},
	}
}

type peers struct {
	dns  *dnsd.Server
	rdap *rdapd.Server
}

func startPeers(t *testing.T) peers {
	t.Helper()
	dns := dnsd.Start(t, map[string]dnsd.Records{
		"healthy.test":       mailable("healthy.test"),
		"mail.healthy.test":  {A: []string{"192.0.2.11"}}, // a subdomain: no MX, no NS
		"v6only.test":        {AAAA: []string{"2001:db8::25"}, NS: []string{"ns1.v6only.test"}},
		"nomail.test":        {NS: []string{"ns1.nomail.test"}, TXT: []string{"v=spf1 -all"}},
		"nullmx.test":        {MX: []dnsd.MX{{Host: ".", Pref: 0}}, A: []string{"192.0.2.12"}, NS: []string{"ns1.nullmx.test"}},
		"lapsing.test":       mailable("lapsing.test"),
		"redemption.test":    mailable("redemption.test"),
		"expired.test":       mailable("expired.test"),
		"inactive.test":      mailable("inactive.test"),
		"xn--bcher-kva.test": mailable("xn--bcher-kva.test"),
		"broken.test":        {ServFail: true},
		"broken-unreg.test":  {ServFail: true},
		"slow.test":          {Drop: true},
		"nordap.test":        mailable("nordap.test"),
	})
	expired := registered("active")
	expired.Events[1].Date = now.AddDate(0, 0, -40)
	rdap := rdapd.Start(t, map[string]rdapd.Domain{
		"healthy.test":       registered("active"),
		"v6only.test":        registered("active"),
		"nomail.test":        registered("active"),
		"nullmx.test":        registered("active"),
		"lapsing.test":       registered("pending delete"),
		"redemption.test":    registered("redemption period", "client hold"),
		"expired.test":       expired,
		"inactive.test":      registered("inactive"),
		"xn--bcher-kva.test": registered("active"),
		"broken.test":        registered("active"),
		"slow.test":          registered("active"),
		// gone.test, broken-unreg.test and nordap.test: 404
	})
	return peers{dns: dns, rdap: rdap}
}

func newChecker(t *testing.T, opts emaildomain.Options) *emaildomain.Checker {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return now }
	}
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Second
	}
	c, err := emaildomain.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func (p peers) checker(t *testing.T) *emaildomain.Checker {
	return newChecker(t, emaildomain.Options{Resolver: p.dns.Resolver(), RDAPServerOverride: p.rdap.URL})
}

func TestCheck(t *testing.T) {
	p := startPeers(t)
	c := p.checker(t)

	for _, tc := range []struct {
		domain string
		want   emaildomain.Status
		reason string // a substring of the reasons; "" for none
	}{
		{"healthy.test", emaildomain.OK, ""},
		{"HEALTHY.Test.", emaildomain.OK, ""},
		{"mail.healthy.test", emaildomain.OK, ""}, // implicit MX; RDAP asks for healthy.test
		{"v6only.test", emaildomain.OK, ""},
		{"inactive.test", emaildomain.OK, ""}, // "inactive" alone is not abandonment
		{"bücher.test", emaildomain.OK, ""},
		{"nordap.test", emaildomain.OK, ""}, // registry 404 does not overrule working DNS
		{"gone.test", emaildomain.Abandoned, "the domain does not exist"},
		{"nomail.test", emaildomain.Abandoned, "cannot receive mail"},
		{"nullmx.test", emaildomain.Abandoned, "accepts none"},
		{"lapsing.test", emaildomain.Abandoned, "pending delete"},
		{"redemption.test", emaildomain.Abandoned, "redemption period"},
		{"expired.test", emaildomain.Abandoned, "expired on 2030-04-22"},
		{"broken.test", emaildomain.Unknown, "DNS could not be checked"},
		{"broken-unreg.test", emaildomain.Abandoned, "not registered"},
	} {
		t.Run(tc.domain, func(t *testing.T) {
			res := c.Check(context.Background(), tc.domain)
			if res.Status != tc.want {
				t.Fatalf("Check(%q) = %+v, want %v", tc.domain, res, tc.want)
			}
			reasons := strings.Join(res.Reasons, "\n")
			if tc.reason == "" && len(res.Reasons) != 0 || !strings.Contains(reasons, tc.reason) {
				t.Errorf("Reasons = %q, want %q", res.Reasons, tc.reason)
			}
			if !res.CheckedAt.Equal(now) {
				t.Errorf("CheckedAt = %v, want the injected clock's %v", res.CheckedAt, now)
			}
		})
	}

	if got := c.Check(context.Background(), "Bücher.TEST").Domain; got != "xn--bcher-kva.test" {
		t.Errorf("Domain = %q, want the normalised A-label form", got)
	}
	for _, q := range p.rdap.Queries() {
		if q == "mail.healthy.test" {
			t.Errorf("RDAP was asked for the subdomain %q instead of the registered domain", q)
		}
	}
}

func TestDNSTimeoutIsUnknown(t *testing.T) {
	p := startPeers(t)
	c := newChecker(t, emaildomain.Options{
		Resolver:           p.dns.Resolver(),
		RDAPServerOverride: p.rdap.URL,
		Timeout:            500 * time.Millisecond,
	})
	start := time.Now()
	res := c.Check(context.Background(), "slow.test")
	if res.Status != emaildomain.Unknown {
		t.Errorf("DNS timeout: %+v, want unknown", res)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Check took %v with a 500ms timeout", d)
	}

	// With the registry down as well, still never abandoned.
	p.rdap.SetDown(true)
	if res := c.Check(context.Background(), "slow.test"); res.Status != emaildomain.Unknown {
		t.Errorf("DNS timeout, RDAP down: %+v, want unknown", res)
	}
	// And a caller's own deadline is honoured the same way.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if res := c.Check(ctx, "slow.test"); res.Status != emaildomain.Unknown {
		t.Errorf("caller deadline: %+v, want unknown", res)
	}
}

func TestRDAPDown(t *testing.T) {
	p := startPeers(t)
	c := p.checker(t)

	p.rdap.SetDown(true) // 503
	for domain, want := range map[string]emaildomain.Status{
		"healthy.test":      emaildomain.OK,
		"gone.test":         emaildomain.Abandoned, // NXDOMAIN needs no registry
		"broken.test":       emaildomain.Unknown,
		"broken-unreg.test": emaildomain.Unknown, // a 503 is not a 404
		"lapsing.test":      emaildomain.OK,      // DNS still works; the registry could not say otherwise
	} {
		if res := c.Check(context.Background(), domain); res.Status != want {
			t.Errorf("RDAP 503: Check(%s) = %+v, want %v", domain, res, want)
		}
	}

	p.rdap.Close() // connection refused
	if res := c.Check(context.Background(), "healthy.test"); res.Status != emaildomain.OK {
		t.Errorf("RDAP unreachable: %+v, want ok", res)
	}
	if res := c.Check(context.Background(), "broken.test"); res.Status != emaildomain.Unknown || len(res.Reasons) == 0 {
		t.Errorf("RDAP unreachable, DNS SERVFAIL: %+v, want unknown with reasons", res)
	}
}

func TestBootstrap(t *testing.T) {
	p := startPeers(t)
	c := newChecker(t, emaildomain.Options{Resolver: p.dns.Resolver(), RDAPBootstrapURL: p.rdap.BootstrapURL})

	if res := c.Check(context.Background(), "lapsing.test"); res.Status != emaildomain.Abandoned {
		t.Errorf("Check(lapsing.test) via bootstrap = %+v, want abandoned", res)
	}
	if res := c.Check(context.Background(), "healthy.test"); res.Status != emaildomain.OK {
		t.Errorf("Check(healthy.test) via bootstrap = %+v, want ok", res)
	}
	if n := p.rdap.BootstrapFetches(); n != 1 {
		t.Errorf("bootstrap fetched %d times, want once (cached)", n)
	}

	// A top-level domain the bootstrap file does not cover is an RDAP
	// failure: it does not change what DNS says.
	p.dns.Set("healthy.example", mailable("healthy.example"))
	if res := c.Check(context.Background(), "healthy.example"); res.Status != emaildomain.OK {
		t.Errorf("Check(healthy.example) = %+v, want ok", res)
	}

	// A bootstrap file that cannot be fetched is a failure too.
	p.rdap.SetDown(true)
	c2 := newChecker(t, emaildomain.Options{Resolver: p.dns.Resolver(), RDAPBootstrapURL: p.rdap.BootstrapURL})
	if res := c2.Check(context.Background(), "broken-unreg.test"); res.Status != emaildomain.Unknown {
		t.Errorf("bootstrap down, DNS SERVFAIL: %+v, want unknown", res)
	}
}

func TestInvalidDomainsAreUnknown(t *testing.T) {
	p := startPeers(t)
	c := p.checker(t)
	for _, d := range []string{"", " ", "localhost", "192.0.2.1", "[192.0.2.1]", "a..test", "exa mple.test", "under_score.test", strings.Repeat("a", 64) + ".test", "-lead.test", "example.123"} {
		res := c.Check(context.Background(), d)
		if res.Status != emaildomain.Unknown || len(res.Reasons) == 0 {
			t.Errorf("Check(%q) = %+v, want unknown with a reason", d, res)
		}
	}
	if n := p.dns.Queries(); n != 0 {
		t.Errorf("invalid names caused %d DNS queries", n)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"Example.COM":           "example.com",
		"example.com.":          "example.com",
		" bücher.example ":      "xn--bcher-kva.example",
		"xn--bcher-kva.example": "xn--bcher-kva.example",
		"ＥＸＡＭＰＬＥ.com":           "example.com", // full-width letters map to ASCII
	} {
		got, err := emaildomain.Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestNewValidates(t *testing.T) {
	for name, opts := range map[string]emaildomain.Options{
		"bad bootstrap": {RDAPBootstrapURL: "file:///etc/dns.json"},
		"bad override":  {RDAPServerOverride: "rdap.example"},
		"negative":      {Timeout: -time.Second},
	} {
		if _, err := emaildomain.New(opts); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	if emaildomain.Abandoned.String() != "abandoned" || emaildomain.Status(0) != emaildomain.Unknown {
		t.Errorf("the zero Status must be Unknown")
	}
}

// A resolver that answers "no such domain" for every name (an offline or
// filtered network) must not make domains abandoned: the canary domain it
// cannot resolve either shows its answers prove nothing.
func TestCanaryGuardsAgainstResolversThatKnowNothing(t *testing.T) {
	dns := dnsd.Start(t, map[string]dnsd.Records{"canary.test": mailable("canary.test")})
	// The registry knows the domain, so RDAP alone does not decide.
	rdap := rdapd.Start(t, map[string]rdapd.Domain{"vanished.test": registered("active")})

	trusting := newChecker(t, emaildomain.Options{Resolver: dns.Resolver(), RDAPServerOverride: rdap.URL, CanaryDomain: "canary.test"})
	if res := trusting.Check(context.Background(), "vanished.test"); res.Status != emaildomain.Abandoned {
		t.Fatalf("with a working resolver, an NXDOMAIN domain: %+v, want Abandoned", res)
	}

	doubting := newChecker(t, emaildomain.Options{Resolver: dns.Resolver(), RDAPServerOverride: rdap.URL, CanaryDomain: "not-in-this-zone.test"})
	res := doubting.Check(context.Background(), "vanished.test")
	if res.Status != emaildomain.Unknown || !strings.Contains(strings.Join(res.Reasons, " "), "cannot resolve not-in-this-zone.test") {
		t.Fatalf("with a resolver that cannot resolve the canary: %+v, want Unknown naming the canary", res)
	}
	if res := doubting.Check(context.Background(), "canary.test"); res.Status != emaildomain.OK {
		t.Fatalf("a domain that resolves is still OK: %+v", res)
	}
}
