// Package emaildomain judges whether an email address's domain has been
// abandoned, so that an address on a lapsed domain (which anyone may
// register again and then receive the account's recovery mail) stops
// counting as verified and stops being a way to recover the account.
//
// Two sources are asked, concurrently:
//
//   - DNS, through an injected net.Resolver: a domain that does not exist,
//     or that has neither MX nor A/AAAA records, cannot receive mail.
//   - RDAP, the registry's view: a registration in its redemption period or
//     pending delete, or one whose expiration date has passed, has lapsed.
//     The RDAP server is found through an IANA bootstrap file (RFC 9224),
//     or fixed with RDAPServerOverride.
//
// The rule throughout: a lookup that fails (SERVFAIL, timeout, an RDAP
// server that is down or has no data) makes the answer Unknown, never
// Abandoned. Only an authoritative negative answer abandons a domain.
package emaildomain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Status is the judgement on a domain.
type Status int

const (
	// Unknown means the domain could not be judged: a lookup failed or the
	// name is not a valid domain. Nothing should change on Unknown.
	Unknown Status = iota
	// OK means the domain can receive mail and is not lapsing.
	OK
	// Abandoned means the domain does not exist, cannot receive mail, or
	// its registration has lapsed.
	Abandoned
)

func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Abandoned:
		return "abandoned"
	default:
		return "unknown"
	}
}

// Result is the outcome of one Check.
type Result struct {
	// Domain is the name checked, lower case, internationalised names in
	// their ASCII (xn--) form.
	Domain string
	Status Status
	// Reasons say, for the user, why the status is not OK.
	Reasons []string
	// CheckedAt is when the check ran, by the Checker's clock.
	CheckedAt time.Time
	// RegisteredAt is when the domain's current registration began,
	// according to its registry over RDAP; zero when unknown. Compare it
	// with when an address was verified (VerifiedAt).
	RegisteredAt time.Time
}

// VerifiedAt judges the result for an address verified at verified: a
// domain whose current registration began after that was re-registered,
// perhaps by someone else, so the address proves nothing any more and is
// Abandoned. An unknown registration date or verification time changes
// nothing.
func (r Result) VerifiedAt(verified time.Time) Result {
	if r.Status == Abandoned || r.RegisteredAt.IsZero() || verified.IsZero() || !r.RegisteredAt.After(verified) {
		return r
	}
	r.Status = Abandoned
	r.Reasons = append(slices.Clip(r.Reasons), fmt.Sprintf("the domain was registered again on %s, after the address was verified on %s, so it may now belong to someone else",
		r.RegisteredAt.UTC().Format(time.DateOnly), verified.UTC().Format(time.DateOnly)))
	return r
}

const (
	// DefaultRDAPBootstrapURL is IANA's bootstrap file for domain names.
	DefaultRDAPBootstrapURL = "https://data.iana.org/rdap/dns.json"
	// DefaultTimeout bounds one Check.
	DefaultTimeout = 5 * time.Second
)

// Options configure a Checker.
type Options struct {
	// Resolver answers DNS queries; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// RDAPBootstrapURL is where to find the RDAP server for a top-level
	// domain: IANA's dns.json or a local copy. Empty means
	// DefaultRDAPBootstrapURL.
	RDAPBootstrapURL string
	// RDAPServerOverride, when set, is the RDAP base URL used for every
	// domain and the bootstrap file is never fetched: for tests and
	// air-gapped installations with an RDAP mirror.
	RDAPServerOverride string
	// HTTPClient makes the RDAP requests; nil means a client of its own.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Timeout bounds one Check, DNS and RDAP together; zero means
	// DefaultTimeout.
	Timeout time.Duration
	// Log receives failed lookups at debug level; nil means slog.Default().
	Log *slog.Logger
	// CanaryDomain is a domain known to exist. Before DNS alone may judge
	// a domain abandoned, the resolver must resolve the canary: a resolver
	// that answers "no such domain" for everything (an offline or filtered
	// network) then yields Unknown, never Abandoned. Empty disables the
	// check (for tests whose DNS server knows only their own zones).
	CanaryDomain string
}

// Checker judges domains. It is safe for concurrent use.
type Checker struct {
	resolver  *net.Resolver
	bootURL   string
	override  string
	client    *http.Client
	now       func() time.Time
	timeout   time.Duration
	log       *slog.Logger
	bootstrap bootstrapCache
	canary    canaryCache
}

// canaryCache remembers for a while whether the resolver resolves the
// canary domain, so that a burst of checks costs one extra lookup.
type canaryCache struct {
	domain string
	mu     sync.Mutex
	ok     bool
	at     time.Time
}

// canaryTTL is how long a canary answer is trusted.
const canaryTTL = 5 * time.Minute

// resolverTrusted reports whether the resolver resolves the canary domain.
func (c *Checker) resolverTrusted(ctx context.Context) bool {
	if c.canary.domain == "" {
		return true
	}
	c.canary.mu.Lock()
	defer c.canary.mu.Unlock()
	if !c.canary.at.IsZero() && c.now().Sub(c.canary.at) < canaryTTL {
		return c.canary.ok
	}
	_, err := c.resolver.LookupNS(ctx, c.canary.domain+".")
	if err != nil {
		_, err = c.resolver.LookupHost(ctx, c.canary.domain+".")
	}
	c.canary.ok, c.canary.at = err == nil, c.now()
	if err != nil {
		c.log.WarnContext(ctx, "emaildomain: the DNS resolver cannot resolve the canary domain; DNS answers cannot show a domain abandoned", "canary", c.canary.domain, "error", err)
	}
	return c.canary.ok
}

// New validates opts and builds a Checker. It does no network I/O.
func New(opts Options) (*Checker, error) {
	c := &Checker{
		canary:   canaryCache{domain: strings.TrimSuffix(strings.ToLower(opts.CanaryDomain), ".")},
		resolver: opts.Resolver,
		client:   opts.HTTPClient,
		now:      opts.Now,
		timeout:  opts.Timeout,
		log:      opts.Log,
	}
	if c.resolver == nil {
		c.resolver = net.DefaultResolver
	}
	if c.client == nil {
		c.client = &http.Client{}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.timeout < 0 {
		return nil, fmt.Errorf("emaildomain: timeout must not be negative, got %v", c.timeout)
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if opts.RDAPServerOverride != "" {
		base, err := checkURL("RDAP server override", opts.RDAPServerOverride)
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(base, "/") {
			base += "/"
		}
		c.override = base
	}
	boot := opts.RDAPBootstrapURL
	if boot == "" {
		boot = DefaultRDAPBootstrapURL
	}
	boot, err := checkURL("RDAP bootstrap URL", boot)
	if err != nil {
		return nil, err
	}
	c.bootURL = boot
	return c, nil
}

func checkURL(what, s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("emaildomain: %s %q is not an http(s) URL without query", what, s)
	}
	return s, nil
}

// Check judges domain (the part of an address after the @). It never
// returns Abandoned because a lookup failed; see the package comment.
func (c *Checker) Check(ctx context.Context, domain string) Result {
	res := Result{Domain: domain, CheckedAt: c.now()}
	name, err := Normalize(domain)
	if err != nil {
		res.Reasons = []string{"the address's domain is not a valid domain name"}
		return res
	}
	res.Domain = name

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var (
		wg   sync.WaitGroup
		dns  verdict
		rdap rdapVerdict
	)
	wg.Go(func() { dns = c.checkDNS(ctx, name) })
	wg.Go(func() { rdap = c.checkRDAP(ctx, name) })
	wg.Wait()
	res.RegisteredAt = rdap.registered
	if dns.status == Abandoned && !c.resolverTrusted(ctx) {
		dns = verdict{Unknown, []string{"the DNS resolver cannot resolve " + c.canary.domain + " either, so its answer proves nothing; the domain will be checked again later"}}
	}

	switch {
	case rdap.status == Abandoned || dns.status == Abandoned:
		res.Status = Abandoned
		if dns.status == Abandoned {
			res.Reasons = append(res.Reasons, dns.reasons...)
		}
		if rdap.status == Abandoned {
			res.Reasons = append(res.Reasons, rdap.reasons...)
		}
	case rdap.notFound && dns.status != OK:
		// The registry does not know the domain, and DNS could not show
		// that it works: unregistered. (With DNS working, a 404 more likely
		// means a registry with gaps in its data.)
		res.Status = Abandoned
		res.Reasons = []string{"the domain is not registered"}
	case dns.status == OK:
		res.Status = OK
	default:
		res.Reasons = append(dns.reasons, rdap.reasons...)
	}
	return res
}

// verdict is what one source concluded.
type verdict struct {
	status  Status
	reasons []string
}

// Normalize returns domain in the form Check works on: lower case,
// without a final dot, internationalised labels in their ASCII (xn--)
// form. It refuses anything that is not a host name of at least two
// labels, including IP address literals.
func Normalize(domain string) (string, error) {
	d := strings.TrimSuffix(strings.TrimSpace(domain), ".")
	if d == "" || strings.HasPrefix(d, "[") || !utf8.ValidString(d) {
		return "", errors.New("not a domain name")
	}
	if _, err := netip.ParseAddr(d); err == nil {
		return "", errors.New("an IP address, not a domain name")
	}
	a, err := idna.Lookup.ToASCII(d)
	if err != nil {
		return "", fmt.Errorf("not a valid domain name: %w", err)
	}
	a = strings.ToLower(a)
	if len(a) > 253 {
		return "", errors.New("domain name longer than 253 characters")
	}
	labels := strings.Split(a, ".")
	if len(labels) < 2 {
		return "", errors.New("a domain name needs at least two labels")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "", errors.New("a label of the domain name is empty or longer than 63 characters")
		}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		return "", errors.New("an all-numeric top-level domain")
	}
	return a, nil
}

// checkDNS asks whether name exists and can receive mail.
func (c *Checker) checkDNS(ctx context.Context, name string) verdict {
	fqdn := name + "." // rooted, so that no search domain is appended
	failed := func(what string, err error) verdict {
		c.log.DebugContext(ctx, "emaildomain: DNS lookup failed", "domain", name, "query", what, "error", err)
		return verdict{Unknown, []string{"the domain's DNS could not be checked; it will be checked again later"}}
	}

	mxs, err := c.resolver.LookupMX(ctx, fqdn)
	if len(mxs) > 0 { // with err set, some records were malformed but others are usable
		for _, mx := range mxs {
			if mx.Host != "." {
				return verdict{status: OK}
			}
		}
		// RFC 7505 null MX: the domain says it accepts no mail.
		return verdict{Abandoned, []string{"the domain cannot receive mail: it declares that it accepts none"}}
	}
	if err != nil && !isNotFound(err) {
		return failed("MX", err)
	}

	// No MX: mail goes to the domain's own address (RFC 5321 §5.1).
	ips, err := c.resolver.LookupNetIP(ctx, "ip", fqdn)
	if err == nil && len(ips) > 0 {
		return verdict{status: OK}
	}
	if err != nil && !isNotFound(err) {
		return failed("A/AAAA", err)
	}

	// Neither. Go's resolver reports NXDOMAIN and "no records of this type"
	// alike, so ask for NS: a registered domain's zone apex has them.
	if _, err := c.resolver.LookupNS(ctx, fqdn); err != nil && isNotFound(err) {
		return verdict{Abandoned, []string{"the domain does not exist"}}
	}
	return verdict{Abandoned, []string{"the domain cannot receive mail: it has no MX, A or AAAA records"}}
}

// isNotFound reports an authoritative "no such name or records", as
// opposed to a lookup that failed.
func isNotFound(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && dnsErr.IsNotFound && !dnsErr.IsTimeout && !dnsErr.IsTemporary
}
