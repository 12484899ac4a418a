// Package upstream proxies the packages of other registries (the public
// npm registry, a company's mirror) for names this registry does not
// hold, and closes the holes such proxies usually open:
//
//   - No dependency confusion: a name is local or proxied, never a merge.
//     The front-end asks the proxy only for a name the registry does not
//     hold in any state (unpublished names and the scopes of local
//     organisations and users included), and refuses to publish a name an
//     upstream serves unless the operator excluded it from that upstream.
//   - First-seen pinning: the integrity of every proxied name@version is
//     recorded the first time a packument shows it (store.UpstreamPins,
//     an upstream.pin event); afterwards the upstream's word for it is
//     ignored, other bytes are refused and reported (upstream.mismatch),
//     as Go's checksum database protects modules fetched through proxies.
//   - Cooldown: versions younger than the upstream's cooldown are hidden
//     unless the name is exempt.
//   - Tarballs are fetched only from the upstream's own origin, bounded in
//     size and time, checked against the pinned integrity before they are
//     stored (in the blob store, by digest) or served.
//   - Screening as for local versions (screen.go, moderation.go): the
//     malware scan on a tarball's first download (a finding holds the
//     version for the moderators, who release or confirm it, its bytes
//     kept as evidence and never served while held: evidence.go), MAL-
//     advisories blocking the versions they name, typosquatting flags on
//     look-alike names (typosquat.go).
//   - Complete downloads of proxied versions counted by the rules of
//     local ones (internal/downloads), for the staff's list of proxied
//     packages (downloads.go).
//   - Upstream registry signatures verified with the upstream's keys and
//     passed through, its keys listed beside this registry's
//     (signatures.go).
//   - Made-up names cannot make it an amplifier (guard.go): a negative
//     cache of names the upstream lacks, and a limit per client address
//     on the requests it causes upstream.
//
// Packuments are cached in memory and in the data folder and revalidated
// with If-None-Match after the upstream's revalidate interval; when the
// upstream is down the last copy is served.
package upstream

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/downloads"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/provenance"
	"github.com/rampart/rampart/internal/store"
)

// Deps are what the proxy needs.
type Deps struct {
	Upstreams []config.Upstream
	Store     store.Store
	Blobs     blob.Store
	// PublicURL is this registry's, for the tarball links it writes.
	PublicURL string
	// Dir holds the packument cache (<data>/upstream).
	Dir string
	// MaxDocument and MaxTarball bound what is read from an upstream.
	MaxDocument, MaxTarball int64
	Log                     *slog.Logger
	Now                     func() time.Time
	// Client is the HTTP client (nil: one with the upstreams' timeouts).
	Client *http.Client

	// Scan is the malware scan of a tarball's first download (nil: off);
	// Summary words its findings as a hold's reason.
	Scan    Scan
	Summary func([]core.ScanFinding) string
	// Malicious names this registry's MAL- advisories of a package (nil:
	// none are checked).
	Malicious Malicious
	// Resembles flags names that imitate popular ones (typosquat.go;
	// nil: none flagged).
	Resembles Resembles
	// Moderation decides and completes the moderators' actions
	// (moderation.go); nil: none can be taken.
	Moderation *Moderation
	// Mailer sends the moderators' notices of holds (notices.go).
	Mailer mail.Mailer
	// Provenance verifies the build provenance of proxied versions
	// (provenance.go) against the registry's trusted root; required by
	// an upstream with verify_provenance.
	Provenance *provenance.Verifier
	// Evidence reads a held version's kept bytes for its evidence page
	// (evidence.go; nil: files not shown).
	Evidence ReadEvidence
	// Downloads counts complete downloads of proxied versions
	// (downloads.go; nil: not counted).
	Downloads *downloads.ProxiedCounter
}

// Service is the proxy.
type Service struct {
	d      Deps
	client *http.Client
	// fetches bounds the requests to upstreams at once: anyone may ask
	// for any name, and each unknown one costs an upstream request.
	fetches chan struct{}

	mu       sync.Mutex
	docs     map[string]*entry        // by upstream name + "\x00" + package name
	docBytes int64                    // what docs holds, bounded by maxCachedBytes
	inflight map[string]chan struct{} // one fetch per packument at a time
	reported map[string]bool          // mismatches already recorded (upstream, name, version, offered)
	neg      negative                 // names the upstream does not have (guard.go)
	clients  map[string]*bucket       // upstream fetches per client address (guard.go)
	keys     map[string]*keyList      // each upstream's signing keys (signatures.go)
	// provPassed are the versions whose provenance passed (provenance.go).
	provPassed map[string]bool

	notices *notifier.Notifier // the moderators' notices of holds (notices.go)
}

// maxFetches bounds concurrent requests to upstreams; maxCachedBytes the
// packuments kept in memory (the disk copy stays).
const (
	maxFetches     = 16
	maxCachedBytes = 256 << 20
)

// New builds the proxy; nil when no upstream is configured.
func New(d Deps) *Service {
	if len(d.Upstreams) == 0 {
		return nil
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	c := d.Client
	if c == nil {
		c = &http.Client{
			// Redirects only within the upstream's origin (checked per hop).
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 5 || req.URL.Scheme != via[0].URL.Scheme || req.URL.Host != via[0].URL.Host {
					return errors.New("redirect leaves the upstream's origin")
				}
				return nil
			},
		}
	}
	s := &Service{d: d, client: c, fetches: make(chan struct{}, maxFetches), docs: map[string]*entry{}, inflight: map[string]chan struct{}{}, reported: map[string]bool{}, clients: map[string]*bucket{}, keys: map[string]*keyList{}, provPassed: map[string]bool{}}
	s.notices = newNotices(s)
	return s
}

// For returns the upstream that serves name by its patterns, or nil.
// Whether the name is held locally is the caller's to ask first.
func (s *Service) For(name string) *config.Upstream {
	if s == nil {
		return nil
	}
	for i := range s.d.Upstreams {
		if s.d.Upstreams[i].Matches(name) {
			return &s.d.Upstreams[i]
		}
	}
	return nil
}

// ShadowRefusal is the refusal of a publish of a name an upstream serves.
func ShadowRefusal(u *config.Upstream, name string) error {
	return core.Errorf(core.KindForbidden,
		"%s is served from the upstream registry %q (%s): publishing it here would shadow the upstream's package for every client of this registry (dependency confusion). If this registry should own the name, an administrator adds it to that upstream's exclude list ([[upstream]] exclude in the configuration); then publish again",
		name, u.Name, u.URL)
}

// firstReport reports whether the finding named by parts (an upstream,
// a version, what was wrong) is seen for the first time by this process:
// packuments are rebuilt on every revalidation, and a refusal is logged
// and recorded once, not at each rebuild.
func (s *Service) firstReport(parts ...string) bool {
	key := strings.Join(parts, "\x00")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reported[key] {
		return false
	}
	s.reported[key] = true
	return true
}

// docURL is the upstream's packument URL for name (a scoped name's slash
// escaped, as npm sends it).
func docURL(u *config.Upstream, name string) string {
	return u.URL + strings.Replace(url.PathEscape(name), "%40", "@", 1)
}

// unavailable is the error for an upstream that cannot answer.
func unavailable(u *config.Upstream, err error) error {
	return core.Errorf(core.KindUpstream, "the upstream registry %q (%s) is unavailable and nothing is cached: %v; try again later", u.Name, u.URL, err)
}

// get sends a GET to the upstream with its credentials, bounded in time.
func (s *Service) get(ctx context.Context, u *config.Upstream, target, accept, etag string) (*http.Response, context.CancelFunc, error) {
	if err := s.allow(ctx, u); err != nil {
		return nil, nil, err
	}
	select {
	case s.fetches <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, u.Timeout.Duration)
	release := func() { cancel(); <-s.fetches }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		release()
		return nil, nil, err
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "rampart-upstream")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if u.TokenEnv != "" {
		if tok := os.Getenv(u.TokenEnv); tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		release()
		return nil, nil, err
	}
	return resp, release, nil
}

// cacheFile is where a packument is kept between restarts.
func (s *Service) cacheFile(u *config.Upstream, name string) string {
	sum := sha256.Sum256([]byte(u.Name + "\x00" + name))
	return filepath.Join(s.d.Dir, "docs", hex.EncodeToString(sum[:])+".json")
}

// writeAtomic writes b to path through a temporary file and a rename.
func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// readBounded reads r up to max bytes; more is an error.
func readBounded(r io.Reader, max int64, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", what, max)
	}
	return b, nil
}
