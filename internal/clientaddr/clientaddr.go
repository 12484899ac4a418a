// Package clientaddr decides which address a request came from. It is the
// one place that decides: login, MFA, emailed-link and reset throttles,
// API tokens' address limits, new-device notices and the npm web-login
// approval page all read the address it settles on.
//
// The address is the TCP peer's, unless the peer is a trusted proxy (the
// trusted_proxies setting). Then X-Forwarded-For is read from the right,
// past every address that is itself a trusted proxy, and the first one
// that is not is the client: each trusted proxy appended the address it
// saw, and nothing to the left of an untrusted hop can be believed. A
// header that cannot be read leaves the peer's address. With no trusted
// proxies (the default) no header is ever believed.
package clientaddr

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// forwardedFor is the header proxies append the address they saw to.
const forwardedFor = "X-Forwarded-For"

// ParsePrefix reads one trusted-proxy entry: a CIDR range ("10.0.0.0/8",
// "2001:db8::/32") or a single address ("192.0.2.10"). It refuses a range
// with bits set past its length, which is most likely a typo, and a range
// that holds every address, which would let any client choose its address.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR range; write e.g. \"10.0.0.0/8\" or \"192.0.2.10\"", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR range; write e.g. \"10.0.0.0/8\" or \"2001:db8::/32\"", s)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("%q has address bits set past /%d; did you mean %q?", s, p.Bits(), m.String())
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		// Addresses are compared unmapped: ::ffff:10.0.0.0/104 is 10.0.0.0/8.
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	if p.Bits() == 0 {
		return netip.Prefix{}, fmt.Errorf("%q trusts every address, which lets any client choose the address it is throttled by; list only your proxies' ranges", s)
	}
	return p, nil
}

// Resolver finds a request's client address given the trusted proxies.
// The zero value trusts no proxy.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a resolver that believes X-Forwarded-For from peers inside
// trusted, as ParsePrefix returns them.
func New(trusted []netip.Prefix) *Resolver {
	return &Resolver{trusted: append([]netip.Prefix(nil), trusted...)}
}

// isTrusted reports whether a is one of the trusted proxies.
func (res *Resolver) isTrusted(a netip.Addr) bool {
	for _, p := range res.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Resolve returns r's client address: the peer's, or, when the peer is a
// trusted proxy, the rightmost address in X-Forwarded-For that is not a
// trusted proxy (the leftmost when every one is). It returns the zero
// Addr only when the peer's address cannot be read.
func (res *Resolver) Resolve(r *http.Request) netip.Addr {
	peer := Peer(r)
	if !peer.IsValid() || len(res.trusted) == 0 || !res.isTrusted(peer) {
		return peer
	}
	// Several X-Forwarded-For headers are one list, in order.
	list := strings.Join(r.Header.Values(forwardedFor), ",")
	if strings.TrimSpace(list) == "" {
		return peer
	}
	var last netip.Addr
	for list != "" {
		var entry string
		if i := strings.LastIndexByte(list, ','); i >= 0 {
			list, entry = list[:i], list[i+1:]
		} else {
			list, entry = "", list
		}
		a, ok := parseEntry(entry)
		if !ok {
			return peer
		}
		if !res.isTrusted(a) {
			return a
		}
		last = a
	}
	return last
}

// parseEntry reads one X-Forwarded-For entry: an address, or an address
// with a port as some proxies write it ("192.0.2.1:1234", "[2001:db8::1]:1234").
func parseEntry(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	if a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// Peer is the address of the TCP peer that sent r, whatever it forwards.
func Peer(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.WithZone("").Unmap()
}

type ctxKey struct{}

// Handler resolves each request's client address once and records it for
// Of, before next sees the request.
func (res *Resolver) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(res.Context(r)))
	})
}

// Context is r's context carrying r's client address for Of. It is for a
// caller that adds more values before it copies the request once
// (r.WithContext copies the whole request): Handler is the usual way.
func (res *Resolver) Context(r *http.Request) context.Context {
	return context.WithValue(r.Context(), ctxKey{}, res.Resolve(r))
}

// Of is the client address of r as the Handler in front of it settled
// it. A request that passed no Handler gets its peer's address: no
// header is believed.
func Of(r *http.Request) netip.Addr {
	if a, ok := r.Context().Value(ctxKey{}).(netip.Addr); ok {
		return a
	}
	return Peer(r)
}
