// Package dnsd runs a real DNS server on loopback for tests, over UDP and
// TCP on the same 127.0.0.1 port, answering from zone data the test gives.
// A name that is not in the zone gets NXDOMAIN; a name that is there but
// has no record of the asked type gets an empty authoritative answer
// (NODATA). Records can also make a name answer SERVFAIL or not answer at
// all, so that tests can see lookups fail and time out.
//
// Resolver returns a net.Resolver that sends every query to the server
// through Go's own DNS client, so code under test takes the same path as
// against a real recursive resolver.
package dnsd

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// MX is a mail exchanger record.
type MX struct {
	Host string
	Pref uint16
}

// Records is the data held for one name.
type Records struct {
	A    []string // IPv4 addresses
	AAAA []string // IPv6 addresses
	MX   []MX
	NS   []string
	TXT  []string

	// ServFail makes every query for the name answer SERVFAIL.
	ServFail bool
	// Drop makes the server ignore queries for the name, so that lookups
	// time out.
	Drop bool
}

// Server is a running DNS server.
type Server struct {
	// Addr is the host:port the server listens on, for UDP and TCP.
	Addr string

	t    testing.TB
	udp  *dns.Server
	tcp  *dns.Server
	mu   sync.Mutex
	zone map[string]Records // keyed by canonical (lower-case, rooted) name
	n    int
}

const ttl = 60

// Start runs a server for zone (names with or without the final dot) on
// 127.0.0.1; it stops when the test ends.
func Start(t testing.TB, zone map[string]Records) *Server {
	t.Helper()
	s := &Server{t: t, zone: map[string]Records{}}
	for name, rec := range zone {
		s.Set(name, rec)
	}

	pc, l := listen(t)
	s.Addr = pc.LocalAddr().String()
	s.udp = &dns.Server{PacketConn: pc, Handler: s}
	s.tcp = &dns.Server{Listener: l, Handler: s}
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return s
}

// listen binds UDP and TCP to the same free loopback port.
func listen(t testing.TB) (net.PacketConn, net.Listener) {
	t.Helper()
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("dnsd: %v", err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l
		}
		lastErr = err
		pc.Close()
	}
	t.Fatalf("dnsd: no port free for both UDP and TCP: %v", lastErr)
	return nil, nil
}

// Set replaces the records for name.
func (s *Server) Set(name string, rec Records) {
	s.t.Helper()
	for _, a := range rec.A {
		if ip, err := netip.ParseAddr(a); err != nil || !ip.Is4() {
			s.t.Fatalf("dnsd: %s: A record %q is not an IPv4 address", name, a)
		}
	}
	for _, a := range rec.AAAA {
		if ip, err := netip.ParseAddr(a); err != nil || !ip.Is6() || ip.Is4In6() {
			s.t.Fatalf("dnsd: %s: AAAA record %q is not an IPv6 address", name, a)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.zone[dns.CanonicalName(name)] = rec
}

// Delete removes name, which then answers NXDOMAIN.
func (s *Server) Delete(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.zone, dns.CanonicalName(name))
}

// Queries returns how many queries the server has received.
func (s *Server) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Resolver returns a pure-Go resolver that sends every query to the
// server, whatever /etc/resolv.conf names.
func (s *Server) Resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, s.Addr)
		},
	}
}

// ServeDNS answers one query; it implements dns.Handler.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = true
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := dns.CanonicalName(q.Name)

	s.mu.Lock()
	s.n++
	rec, ok := s.zone[name]
	s.mu.Unlock()

	switch {
	case ok && rec.Drop:
		return
	case !ok:
		m.Rcode = dns.RcodeNameError
		m.Ns = []dns.RR{soa(name)}
	case rec.ServFail:
		m.Rcode = dns.RcodeServerFailure
	default:
		m.Answer = answers(name, q.Qtype, rec)
		if len(m.Answer) == 0 {
			m.Ns = []dns.RR{soa(name)}
		}
	}
	_ = w.WriteMsg(m)
}

func answers(name string, qtype uint16, rec Records) []dns.RR {
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
	}
	var rrs []dns.RR
	switch qtype {
	case dns.TypeA:
		for _, a := range rec.A {
			rrs = append(rrs, &dns.A{Hdr: hdr(dns.TypeA), A: net.ParseIP(a)})
		}
	case dns.TypeAAAA:
		for _, a := range rec.AAAA {
			rrs = append(rrs, &dns.AAAA{Hdr: hdr(dns.TypeAAAA), AAAA: net.ParseIP(a)})
		}
	case dns.TypeMX:
		for _, mx := range rec.MX {
			rrs = append(rrs, &dns.MX{Hdr: hdr(dns.TypeMX), Preference: mx.Pref, Mx: dns.Fqdn(mx.Host)})
		}
	case dns.TypeNS:
		for _, ns := range rec.NS {
			rrs = append(rrs, &dns.NS{Hdr: hdr(dns.TypeNS), Ns: dns.Fqdn(ns)})
		}
	case dns.TypeTXT:
		for _, txt := range rec.TXT {
			rrs = append(rrs, &dns.TXT{Hdr: hdr(dns.TypeTXT), Txt: []string{txt}})
		}
	}
	return rrs
}

// soa is the record a negative answer carries in its authority section.
func soa(name string) dns.RR {
	return &dns.SOA{
		Hdr:     dns.RR_Header{Name: name, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: ttl},
		Ns:      "ns.dnsd.test.",
		Mbox:    "hostmaster.dnsd.test.",
		Serial:  1,
		Refresh: 3600,
		Retry:   600,
		Expire:  86400,
		Minttl:  ttl,
	}
}
