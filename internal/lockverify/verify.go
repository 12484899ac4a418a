// Package lockverify is what `rampart verify` checks for each package a
// lockfile pins from a Rampart registry (BEY-a): that name@version with
// the lockfile's integrity is in the registry's transparency log (its
// publish, or for a version proxied from an upstream registry the pin of
// its bytes on first sight)
// (inclusion in a signed checkpoint consistent with every one this
// client saw, internal/tlogclient), that the registry's signature in
// dist.signatures verifies with a key from /-/npm/v1/keys, and that the
// provenance bundle, where the version has one, verifies against the
// Sigstore trusted root for this artifact.
package lockverify

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/provenance"
	"github.com/rampart/rampart/internal/signing"
	"github.com/rampart/rampart/internal/tlog"
	"github.com/rampart/rampart/internal/tlogclient"
)

// Options configure a run.
type Options struct {
	Registry string
	HTTP     *http.Client
	Log      *tlogclient.Client
	// Provenance verifies bundles; nil skips provenance.
	Provenance *provenance.Verifier
	// Progress, if set, is called after each package.
	Progress func(done, total int)
	Workers  int
	// Tarballs downloads each tarball and checks it hashes to the
	// lockfile's integrity, as npm ci does.
	Tarballs bool
	// Token is the user's token for Registry (as npm would send it), ""
	// for none; it is sent only to Registry's host, so that a private
	// package's document, tarball and log entries can be read.
	Token string

	docs docs
}

// Result is one package's outcome.
type Result struct {
	Name       string   `json:"name"`
	Version    string   `json:"version"`
	OK         bool     `json:"ok"`
	LeafIndex  *uint64  `json:"leaf_index,omitempty"`
	Signature  string   `json:"signature,omitempty"`  // the key id that verified
	Provenance string   `json:"provenance,omitempty"` // the source repository proved, "" if none
	Problems   []string `json:"problems,omitempty"`
}

// Report is a run's outcome.
type Report struct {
	Registry   string   `json:"registry"`
	Origin     string   `json:"log_origin"`
	TreeSize   uint64   `json:"tree_size"`
	RootHash   string   `json:"root_hash"`
	Pinned     string   `json:"pinned_key,omitempty"` // set when this run pinned the log key
	Packages   []Result `json:"packages"`
	Failed     int      `json:"failed"`
	Fetches    int      `json:"log_fetches"`
	LogProblem string   `json:"log_problem,omitempty"`
}

// Run checks every package. An error is returned only when nothing could
// be checked; a package's failure is in its Result.
func Run(ctx context.Context, pkgs []Locked, o *Options) (*Report, error) {
	rep := &Report{Registry: o.Registry}
	cp, err := o.Log.Latest(ctx)
	if err != nil {
		return nil, err
	}
	rep.Origin, rep.TreeSize, rep.RootHash, rep.Pinned = cp.Origin, cp.Size, base64.StdEncoding.EncodeToString(cp.Hash), o.Log.Pinned
	keys, err := registryKeys(ctx, o)
	if err != nil {
		return nil, err
	}
	prover, err := o.Log.Prover(ctx, cp)
	if err != nil {
		return nil, err
	}
	rep.Packages = make([]Result, len(pkgs))
	var proverMu, progressMu sync.Mutex
	done := 0
	work := make(chan int)
	var wg sync.WaitGroup
	workers := max(o.Workers, 1)
	for range workers {
		wg.Go(func() {
			for i := range work {
				r := check(ctx, pkgs[i], o, keys, cp, prover, &proverMu)
				rep.Packages[i] = r
				progressMu.Lock()
				done++
				if o.Progress != nil {
					o.Progress(done, len(pkgs))
				}
				progressMu.Unlock()
			}
		})
	}
	for i := range pkgs {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, r := range rep.Packages {
		if !r.OK {
			rep.Failed++
		}
	}
	rep.Fetches = o.Log.Fetches
	return rep, nil
}

// check checks one package.
func check(ctx context.Context, p Locked, o *Options, keys []core.SigningKey, cp *tlogclient.Checkpoint, prover *tlogclient.Prover, proverMu *sync.Mutex) Result {
	r := Result{Name: p.Name, Version: p.Version}
	fail := func(format string, args ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, args...)) }
	if p.Integrity == "" {
		fail("the lockfile records no integrity for it")
	}
	// 1. The log.
	idx, err := inLog(ctx, p, o.Log, cp, prover, proverMu)
	if errors.Is(err, os.ErrNotExist) && o.Token == "" {
		// The registry answers a private package to an anonymous caller
		// exactly as a name it never had: the rest would fail the same way.
		fail("%s is not visible without signing in: it is a private package (or the registry no longer has it). "+
			"Log in with `npm login --registry=%s` (or put a token for it in .npmrc) and run rampart verify again: it sends that token to this registry only", p.Name, o.Registry)
		return r
	}
	if err != nil {
		fail("transparency log: %v", err)
	} else {
		r.LeafIndex = &idx
	}
	// 2. The bytes the registry serves.
	if o.Tarballs && p.Integrity != "" {
		if err := servesIntegrity(ctx, o, p); err != nil {
			fail("tarball: %v", err)
		}
	}
	// 3. The registry signature, and 4. the provenance.
	dist, err := o.docs.distOf(ctx, o, p)
	if err != nil {
		fail("registry signature: %v", err)
	} else {
		if dist.Integrity != p.Integrity {
			fail("the registry now serves integrity %s, the lockfile has %s", dist.Integrity, p.Integrity)
		}
		if kid, err := signed(keys, p, dist.Signatures); err != nil {
			fail("registry signature: %v", err)
		} else {
			r.Signature = kid
		}
		if dist.Attestations.URL != "" && o.Provenance != nil {
			if repo, err := proven(ctx, o, p, dist.Attestations.URL); err != nil {
				fail("provenance: %v", err)
			} else {
				r.Provenance = repo
			}
		}
	}
	r.OK = len(r.Problems) == 0
	return r
}

// inLog finds a leaf that publishes name@version with the lockfile's
// integrity and proves its inclusion.
func inLog(ctx context.Context, p Locked, lc *tlogclient.Client, cp *tlogclient.Checkpoint, prover *tlogclient.Prover, mu *sync.Mutex) (uint64, error) {
	found, err := lc.Lookup(ctx, p.Name, p.Version)
	if errors.Is(err, os.ErrNotExist) {
		return 0, notShown{fmt.Errorf("no entry of the log (size %d) publishes %s@%s: the registry serves a version its log does not record", cp.Size, p.Name, p.Version)}
	}
	if err != nil {
		return 0, err
	}
	var seen []string
	for _, l := range found {
		if l.Index >= cp.Size {
			continue
		}
		leaf, err := lc.Entry(ctx, cp, l.Index)
		if err != nil {
			return 0, err
		}
		e, err := tlog.ParseEntry(leaf)
		if err != nil {
			return 0, fmt.Errorf("leaf %d: %w", l.Index, err)
		}
		if e.Sealed() {
			// A private package's leaf: its opening, recomputed against
			// the commitment in the log, says what it binds.
			if l.Opening == nil {
				return 0, fmt.Errorf("leaf %d is sealed and the registry's lookup gave no opening for it", l.Index)
			}
			if e, err = l.Opening.Open(e); err != nil {
				return 0, fmt.Errorf("leaf %d: %w", l.Index, err)
			}
		}
		if e.Package != p.Name || e.Version != p.Version || e.Seq != int64(l.Index)+1 {
			return 0, fmt.Errorf("the registry's lookup named leaf %d, which is about %s@%s (event %d), not %s@%s", l.Index, e.Package, e.Version, e.Seq, p.Name, p.Version)
		}
		// A version published here, or one proxied from an upstream
		// registry, whose bytes this registry pinned on first sight
		// (upstream.pin): either way the log binds name@version to one
		// integrity for every client.
		if e.Type != core.EventPublish && e.Type != core.EventStageApprove && e.Type != core.EventUpstreamPin {
			continue
		}
		if e.Integrity() != p.Integrity {
			seen = append(seen, fmt.Sprintf("leaf %d records integrity %s", l.Index, e.Integrity()))
			continue
		}
		mu.Lock()
		err = prover.Include(ctx, l.Index, leaf)
		mu.Unlock()
		if err != nil {
			return 0, err
		}
		return l.Index, nil
	}
	if len(seen) > 0 {
		return 0, fmt.Errorf("the log never published %s@%s with the lockfile's integrity %s: %s", p.Name, p.Version, p.Integrity, strings.Join(seen, "; "))
	}
	return 0, fmt.Errorf("no entry of the log (size %d) publishes %s@%s: the registry serves a version its log does not record", cp.Size, p.Name, p.Version)
}

// dist is the part of a version's document checked here.
type dist struct {
	Integrity    string           `json:"integrity"`
	Signatures   []core.Signature `json:"signatures"`
	Attestations struct {
		URL string `json:"url"`
	} `json:"attestations"`
}

// docs fetches each package's document once per run.
type docs struct {
	mu sync.Mutex
	m  map[string]*doc
}

type doc struct {
	once     sync.Once
	versions map[string]struct {
		Dist dist `json:"dist"`
	}
	err error
}

func (d *docs) distOf(ctx context.Context, o *Options, p Locked) (*dist, error) {
	d.mu.Lock()
	if d.m == nil {
		d.m = map[string]*doc{}
	}
	e, ok := d.m[p.Name]
	if !ok {
		e = &doc{}
		d.m[p.Name] = e
	}
	d.mu.Unlock()
	e.once.Do(func() {
		b, err := fetch(ctx, o, strings.Replace(p.Name, "/", "%2f", 1))
		if err != nil {
			e.err = err
			return
		}
		var body struct {
			Versions map[string]struct {
				Dist dist `json:"dist"`
			} `json:"versions"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			e.err = fmt.Errorf("the document of %s: %w", p.Name, err)
			return
		}
		e.versions = body.Versions
	})
	if e.err != nil {
		return nil, e.err
	}
	v, ok := e.versions[p.Version]
	if !ok {
		return nil, fmt.Errorf("the registry's document of %s has no version %s", p.Name, p.Version)
	}
	return &v.Dist, nil
}

func signed(keys []core.SigningKey, p Locked, sigs []core.Signature) (string, error) {
	if len(sigs) == 0 {
		return "", errors.New("the version carries no registry signature (dist.signatures)")
	}
	var errs []error
	for _, s := range sigs {
		err := signing.Verify(keys, p.Name, p.Version, p.Integrity, s)
		if err == nil {
			return s.KeyID, nil
		}
		errs = append(errs, err)
	}
	return "", errors.Join(errs...)
}

// registryKeys reads /-/npm/v1/keys.
func registryKeys(ctx context.Context, o *Options) ([]core.SigningKey, error) {
	b, err := fetch(ctx, o, "-/npm/v1/keys")
	if err != nil {
		return nil, fmt.Errorf("fetching the registry's signing keys: %w", err)
	}
	var body struct {
		Keys []struct {
			KeyID   string     `json:"keyid"`
			Key     string     `json:"key"`
			Expires *time.Time `json:"expires"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		return nil, fmt.Errorf("the registry's signing keys: %w", err)
	}
	var keys []core.SigningKey
	for _, k := range body.Keys {
		der, err := base64.StdEncoding.DecodeString(k.Key)
		if err != nil {
			continue
		}
		sk := core.SigningKey{KeyID: k.KeyID, Public: der}
		if k.Expires != nil {
			sk.Expires = *k.Expires
		}
		keys = append(keys, sk)
	}
	return keys, nil
}

// proven verifies the SLSA provenance bundle at u for this artifact.
func proven(ctx context.Context, o *Options, p Locked, u string) (string, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	// npm uses only the path, against the registry it was configured with.
	b, err := fetchURL(ctx, o, strings.TrimSuffix(o.Registry, "/")+pu.EscapedPath())
	if err != nil {
		return "", err
	}
	var body struct {
		Attestations []struct {
			PredicateType string          `json:"predicateType"`
			Bundle        json.RawMessage `json:"bundle"`
		} `json:"attestations"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		return "", err
	}
	sum, err := sha512Of(p.Integrity)
	if err != nil {
		return "", err
	}
	for _, a := range body.Attestations {
		if a.PredicateType != provenance.PredicateSLSAv1 && a.PredicateType != provenance.PredicateSLSAv02 {
			continue
		}
		facts, err := o.Provenance.Verify(a.Bundle, provenance.Subject{Name: provenance.PackageURL(core.NPM(p.Name), p.Version), SHA512: sum})
		if err != nil {
			return "", err
		}
		return facts.SourceRepository, nil
	}
	return "", errors.New("the version announces provenance but its attestations hold no SLSA provenance bundle")
}

func sha512Of(integrity string) ([]byte, error) {
	sum, ok := npm.SHA512OfIntegrity(integrity)
	if !ok {
		return nil, fmt.Errorf("integrity %q is not sha512", integrity)
	}
	return sum, nil
}

func fetch(ctx context.Context, o *Options, path string) ([]byte, error) {
	return fetchURL(ctx, o, strings.TrimSuffix(o.Registry, "/")+"/"+path)
}

// maxDocument bounds a fetched document.
const maxDocument = 64 << 20

func fetchURL(ctx context.Context, o *Options, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	o.authorize(req)
	resp, err := o.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return b, nil
}

// servesIntegrity downloads the locked tarball and hashes it.
func servesIntegrity(ctx context.Context, o *Options, p Locked) error {
	want, err := sha512Of(p.Integrity)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.Resolved, nil)
	if err != nil {
		return err
	}
	o.authorize(req)
	resp, err := o.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", p.Resolved, resp.Status)
	}
	h := sha512.New()
	if _, err := io.Copy(h, resp.Body); err != nil {
		return fmt.Errorf("GET %s: %w", p.Resolved, err)
	}
	if got := h.Sum(nil); !bytes.Equal(got, want) {
		return fmt.Errorf("the registry serves bytes with integrity sha512-%s, not the lockfile's %s: the tarball was changed after it was published", base64.StdEncoding.EncodeToString(got), p.Integrity)
	}
	return nil
}

// authorize adds the user's token to a request for the registry's own
// host (and scheme) only: a lockfile's URLs are the registry's word, and
// a token must never follow one elsewhere.
func (o *Options) authorize(req *http.Request) {
	if o.Token == "" {
		return
	}
	reg, err := url.Parse(o.Registry)
	if err != nil || reg.Host == "" || !strings.EqualFold(reg.Host, req.URL.Host) || reg.Scheme != req.URL.Scheme {
		return
	}
	req.Header.Set("Authorization", "Bearer "+o.Token)
}

// notShown is a lookup the registry answered "not found": for a private
// package and a caller without a token, that is what it answers too.
type notShown struct{ error }

func (notShown) Is(target error) bool { return target == os.ErrNotExist }
