package emaildomain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"
)

const (
	// maxRDAPBody bounds one RDAP domain object; real ones are a few KiB.
	maxRDAPBody = 1 << 20
	// maxBootstrapBody bounds the bootstrap file; IANA's is about 100 KiB.
	maxBootstrapBody = 4 << 20
	// bootstrapTTL is how long a fetched bootstrap file is used before it
	// is fetched again. IANA changes it a few times a year.
	bootstrapTTL = 24 * time.Hour
)

// rdapVerdict is what the registry said.
type rdapVerdict struct {
	status   Status // Abandoned, OK or Unknown (failed)
	notFound bool   // the registry answered 404
	reasons  []string
	// registered is when the current registration began (registeredAt);
	// zero when the registry did not say.
	registered time.Time
}

// checkRDAP asks the registry about the registered domain that name is in.
func (c *Checker) checkRDAP(ctx context.Context, name string) rdapVerdict {
	reg := registeredDomain(name)
	failed := func(err error) rdapVerdict {
		c.log.DebugContext(ctx, "emaildomain: RDAP lookup failed", "domain", reg, "error", err)
		return rdapVerdict{status: Unknown, reasons: []string{"the domain's registry could not be asked; it will be asked again later"}}
	}

	base := c.override
	if base == "" {
		var err error
		if base, err = c.rdapBase(ctx, reg); err != nil {
			return failed(err)
		}
	}
	obj, err := c.fetchDomain(ctx, base, reg)
	if errors.Is(err, errNotFound) {
		return rdapVerdict{status: Unknown, notFound: true}
	}
	if err != nil {
		return failed(err)
	}
	registered := registeredAt(obj)
	if reasons := lapsed(obj, c.now()); len(reasons) > 0 {
		return rdapVerdict{status: Abandoned, reasons: reasons, registered: registered}
	}
	return rdapVerdict{status: OK, registered: registered}
}

// registeredAt is when the domain's current registration began: the
// latest "registration" or "reregistration" event (RFC 9083 §10.2.3). A
// domain that lapsed and was registered again by someone else carries the
// date of the new registration. Zero when the registry gives none.
func registeredAt(obj *domainObject) time.Time {
	var at time.Time
	for _, e := range obj.Events {
		switch squash(e.Action) {
		case "registration", "reregistration":
			t, err := time.Parse(time.RFC3339, e.Date)
			if err == nil && t.After(at) {
				at = t
			}
		}
	}
	return at
}

// domainObject is the part of an RDAP domain object (RFC 9083 §5.3) that
// says whether a registration is lapsing.
type domainObject struct {
	ObjectClassName string   `json:"objectClassName"`
	Status          []string `json:"status"`
	Events          []struct {
		Action string `json:"eventAction"`
		Date   string `json:"eventDate"`
	} `json:"events"`
}

var errNotFound = errors.New("the registry has no such domain")

func (c *Checker) fetchDomain(ctx context.Context, base, name string) (*domainObject, error) {
	u := base + "domain/" + url.PathEscape(name)
	body, status, err := c.get(ctx, u, "application/rdap+json, application/json", maxRDAPBody)
	if err != nil {
		return nil, err
	}
	switch status {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, errNotFound
	default:
		return nil, fmt.Errorf("RDAP %s: status %d", u, status)
	}
	var obj domainObject
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, fmt.Errorf("RDAP %s: %w", u, err)
	}
	if obj.ObjectClassName != "domain" {
		return nil, fmt.Errorf("RDAP %s: object class %q, want domain", u, obj.ObjectClassName)
	}
	return &obj, nil
}

// lapsed returns the reasons obj shows a lapsing registration, if any. The
// status "inactive" (no name servers) alone is not one: DNS judges that.
func lapsed(obj *domainObject, now time.Time) []string {
	var reasons []string
	for _, s := range obj.Status {
		switch squash(s) {
		case "redemptionperiod":
			reasons = append(reasons, "the domain's registration has lapsed and the registry is about to release it (status: redemption period)")
		case "pendingdelete":
			reasons = append(reasons, "the registry is about to delete the domain (status: pending delete)")
		}
	}
	for _, e := range obj.Events {
		if squash(e.Action) != "expiration" {
			continue
		}
		t, err := time.Parse(time.RFC3339, e.Date)
		if err == nil && t.Before(now) {
			reasons = append(reasons, fmt.Sprintf("the domain's registration expired on %s", t.UTC().Format(time.DateOnly)))
		}
	}
	return reasons
}

// squash lower-cases s and drops spaces, hyphens and underscores, so that
// "pending delete" (RFC 8056), "pendingDelete" (EPP) and "pending_delete"
// compare equal.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_':
			return -1
		}
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// registeredDomain returns the domain a registry holds for name: name cut
// to one label below its ICANN public suffix ("mail.example.co.uk" ->
// "example.co.uk"). Private suffixes such as github.io are not registries
// and do not count. A top-level domain unknown to the list counts as a
// suffix of one label.
func registeredDomain(name string) string {
	labels := strings.Split(name, ".")
	n := 1 // labels in the public suffix
	for i := len(labels) - 1; i >= 1; i-- {
		suffix := strings.Join(labels[i:], ".")
		if ps, icann := publicsuffix.PublicSuffix(suffix); ps == suffix && icann {
			n = len(labels) - i
		}
	}
	if n+1 >= len(labels) {
		return name
	}
	return strings.Join(labels[len(labels)-n-1:], ".")
}

// bootstrapCache holds the parsed bootstrap file.
type bootstrapCache struct {
	mu       sync.Mutex
	services map[string][]string // top-level domain (or longer suffix) -> base URLs
	expires  time.Time
}

// rdapBase finds the RDAP base URL for name in the bootstrap file, by the
// longest matching suffix, preferring https.
func (c *Checker) rdapBase(ctx context.Context, name string) (string, error) {
	services, err := c.bootstrapServices(ctx)
	if err != nil {
		return "", err
	}
	labels := strings.Split(name, ".")
	for i := range labels {
		urls, ok := services[strings.Join(labels[i:], ".")]
		if !ok || len(urls) == 0 {
			continue
		}
		base := urls[0]
		for _, u := range urls {
			if strings.HasPrefix(u, "https://") {
				base = u
				break
			}
		}
		if !strings.HasSuffix(base, "/") {
			base += "/"
		}
		return base, nil
	}
	return "", fmt.Errorf("the bootstrap file names no RDAP server for %s", name)
}

// bootstrapServices returns the bootstrap file's services, fetching it
// when the copy held is missing or older than bootstrapTTL. When a fetch
// fails, an expired copy is still used.
func (c *Checker) bootstrapServices(ctx context.Context) (map[string][]string, error) {
	c.bootstrap.mu.Lock()
	services, fresh := c.bootstrap.services, c.now().Before(c.bootstrap.expires)
	c.bootstrap.mu.Unlock()
	if services != nil && fresh {
		return services, nil
	}

	fetched, err := c.fetchBootstrap(ctx)
	if err != nil {
		if services != nil {
			c.log.DebugContext(ctx, "emaildomain: RDAP bootstrap refresh failed; using the old copy", "error", err)
			return services, nil
		}
		return nil, err
	}
	c.bootstrap.mu.Lock()
	c.bootstrap.services, c.bootstrap.expires = fetched, c.now().Add(bootstrapTTL)
	c.bootstrap.mu.Unlock()
	return fetched, nil
}

// fetchBootstrap reads an RFC 9224 bootstrap file:
// {"services": [[["com", "net"], ["https://rdap.example/"]], ...]}.
func (c *Checker) fetchBootstrap(ctx context.Context) (map[string][]string, error) {
	body, status, err := c.get(ctx, c.bootURL, "application/json", maxBootstrapBody)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("RDAP bootstrap %s: status %d", c.bootURL, status)
	}
	var file struct {
		Services [][][]string `json:"services"`
	}
	if err := json.Unmarshal(body, &file); err != nil {
		return nil, fmt.Errorf("RDAP bootstrap %s: %w", c.bootURL, err)
	}
	services := map[string][]string{}
	for _, svc := range file.Services {
		if len(svc) < 2 {
			continue
		}
		for _, entry := range svc[0] {
			services[strings.ToLower(strings.TrimSuffix(entry, "."))] = svc[1]
		}
	}
	if len(services) == 0 {
		return nil, fmt.Errorf("RDAP bootstrap %s: no services", c.bootURL)
	}
	return services, nil
}

// get fetches u and returns at most limit bytes of its body, failing if
// there are more.
func (c *Checker) get(ctx context.Context, u, accept string, limit int64) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "Rampart-emaildomain (+https://github.com/rampart/rampart)")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, 0, fmt.Errorf("%s: reading response: %w", u, err)
	}
	if int64(len(body)) > limit {
		return nil, 0, fmt.Errorf("%s: response larger than %d bytes", u, limit)
	}
	return body, resp.StatusCode, nil
}
