package clientaddr

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func mustPrefixes(t *testing.T, ss ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, s := range ss {
		p, err := ParsePrefix(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func TestResolve(t *testing.T) {
	trusting := New(mustPrefixes(t, "10.0.0.0/8", "2001:db8:ffff::/48", "192.0.2.10"))
	for _, tc := range []struct {
		name   string
		res    *Resolver
		peer   string
		header []string // X-Forwarded-For values, one per header line
		want   string
	}{
		{"no trusted proxies: the header is never believed", New(nil), "10.1.1.1:5000", []string{"203.0.113.9"}, "10.1.1.1"},
		{"zero resolver trusts nobody", &Resolver{}, "10.1.1.1:5000", []string{"203.0.113.9"}, "10.1.1.1"},
		{"untrusted peer: its header is ignored", trusting, "198.51.100.7:5000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"trusted peer, one hop", trusting, "10.1.1.1:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"trusted peer without the header", trusting, "10.1.1.1:5000", nil, "10.1.1.1"},
		{"trusted peer with an empty header", trusting, "10.1.1.1:5000", []string{" "}, "10.1.1.1"},
		{"a client-sent entry left of the real one is ignored", trusting, "10.1.1.1:5000", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"trusted hops are skipped from the right", trusting, "10.1.1.1:5000", []string{"1.1.1.1, 203.0.113.9, 10.2.2.2, 192.0.2.10"}, "203.0.113.9"},
		{"several header lines are one list", trusting, "10.1.1.1:5000", []string{"1.1.1.1", "203.0.113.9, 10.2.2.2"}, "203.0.113.9"},
		{"every hop trusted: the leftmost", trusting, "10.1.1.1:5000", []string{"10.3.3.3, 10.2.2.2"}, "10.3.3.3"},
		{"malformed entry reached: the peer", trusting, "10.1.1.1:5000", []string{"203.0.113.9, not-an-ip"}, "10.1.1.1"},
		{"malformed entry past the client is never read", trusting, "10.1.1.1:5000", []string{"not-an-ip, 203.0.113.9"}, "203.0.113.9"},
		{"empty entry: the peer", trusting, "10.1.1.1:5000", []string{"203.0.113.9,,"}, "10.1.1.1"},
		{"zoned entry: the peer", trusting, "10.1.1.1:5000", []string{"fe80::1%eth0"}, "10.1.1.1"},
		{"entry with a port", trusting, "10.1.1.1:5000", []string{"203.0.113.9:4711"}, "203.0.113.9"},
		{"IPv6 entry with a port", trusting, "10.1.1.1:5000", []string{"[2001:db8:1::5]:4711"}, "2001:db8:1::5"},
		{"IPv6 peer and hops", trusting, "[2001:db8:ffff::1]:443", []string{"2001:db8:1::5, 2001:db8:ffff::2"}, "2001:db8:1::5"},
		{"mapped peer counts as IPv4", trusting, "[::ffff:10.1.1.1]:5000", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.peer
			for _, h := range tc.header {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := tc.res.Resolve(r); got != netip.MustParseAddr(tc.want) {
				t.Errorf("Resolve = %v, want %s", got, tc.want)
			}
		})
	}
}

// TestHandlerAndOf: the handler settles the address once; a request that
// never passed it gets its peer's, never a header's.
func TestHandlerAndOf(t *testing.T) {
	var got netip.Addr
	h := New(mustPrefixes(t, "10.0.0.0/8")).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = Of(r) }))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "10.0.0.2:1234"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != netip.MustParseAddr("203.0.113.9") {
		t.Errorf("through the handler: %v", got)
	}
	if a := Of(r); a != netip.MustParseAddr("10.0.0.2") {
		t.Errorf("without the handler: %v, want the peer", a)
	}
}

func TestParsePrefix(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/8":              "10.0.0.0/8",
		" 192.0.2.10 ":            "192.0.2.10/32",
		"2001:db8::/32":           "2001:db8::/32",
		"2001:db8::1":             "2001:db8::1/128",
		"::ffff:10.0.0.0/104":     "10.0.0.0/8",
		"::ffff:192.0.2.10":       "192.0.2.10/32",
		"fd00:1234:5678::/48":     "fd00:1234:5678::/48",
		"172.16.0.0/12":           "172.16.0.0/12",
		"100.64.0.0/10":           "100.64.0.0/10",
		"2001:db8:aaaa:bbbb::/64": "2001:db8:aaaa:bbbb::/64",
	} {
		p, err := ParsePrefix(in)
		if err != nil || p.String() != want {
			t.Errorf("ParsePrefix(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for in, msg := range map[string]string{
		"":                  "not an IP address",
		"proxy.internal":    "not an IP address",
		"10.0.0.0/33":       "not a CIDR range",
		"10.0.0.1/8":        `did you mean "10.0.0.0/8"`,
		"0.0.0.0/0":         "trusts every address",
		"::/0":              "trusts every address",
		"::ffff:0.0.0.0/96": "trusts every address",
		"fe80::1%eth0":      "not an IP address",
	} {
		if _, err := ParsePrefix(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParsePrefix(%q) = %v, want an error with %q", in, err, msg)
		}
	}
}
