package upstream

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/provenance"
	"github.com/rampart/rampart/internal/store"
)

// Build provenance of proxied versions. Where an upstream announces a
// version's provenance (dist.attestations, as npmjs.com does for
// `npm publish --provenance`) and the operator set verify_provenance,
// this registry verifies it itself before the version's tarball or
// attestations are served: the Sigstore bundle against [provenance]
// trusted_root (internal/provenance, the same check as a local publish),
// its statement about pkg:npm/<name>@<version> and the version's PINNED
// sha512, not whatever the upstream offers today. The outcome is
// recorded once per version (store.UpstreamProvenance, an
// upstream.provenance event): a refusal is for good, a verified bundle is
// kept and served from this registry's own attestations endpoint, where
// the packument's dist.attestations now points, so `npm audit signatures`
// checks the bundle this registry checked.
//
// Provenance continuity, as for local packages (BEY-b) and beyond pnpm's
// trustPolicy "no-downgrade": once a package's versions come with
// provenance, a later one (by publish time) without it is left out of
// packuments, and one built from another source repository than the
// newest verified version before it is refused, unless the operator
// exempts the name or version (provenance_allow). Both are the typical
// marks of a stolen publish token: the thief publishes from a laptop,
// not from the project's CI.
//
// The check happens on a version's first tarball or attestations
// request, not when its packument is read: a packument may list
// hundreds of versions with provenance, and only the few a client
// installs are worth a fetch. What is recorded applies to packuments
// from then on (a refused version leaves them).

// announcement is a version whose provenance the upstream announced.
type announcement struct {
	version   string
	published time.Time
}

// provView is what the packument's build knows of provenance: the
// versions that announce it, oldest first, and the outcomes recorded.
type provView struct {
	announced []announcement
	records   map[string]core.UpstreamProvenance // by version, no bundles
}

// newProvView reads the announcements of every version in the upstream's
// document (before any is left out: a version hidden by the cooldown
// still shows where the package stands) and the recorded outcomes.
func newProvView(versions, times map[string]any, records []core.UpstreamProvenance) *provView {
	pv := &provView{records: map[string]core.UpstreamProvenance{}}
	for v, mv := range versions {
		m, _ := mv.(map[string]any)
		dist, _ := m["dist"].(map[string]any)
		if announcesProvenance(dist) {
			published, _ := time.Parse(time.RFC3339, str(times[v]))
			pv.announced = append(pv.announced, announcement{v, published})
		}
	}
	sort.Slice(pv.announced, func(i, j int) bool { return pv.announced[i].published.Before(pv.announced[j].published) })
	for _, r := range records {
		pv.records[r.Version] = r
	}
	return pv
}

// announcesProvenance reports whether dist announces build provenance
// (npm: dist.attestations.provenance).
func announcesProvenance(dist map[string]any) bool {
	att, _ := dist["attestations"].(map[string]any)
	prov, _ := att["provenance"].(map[string]any)
	return att != nil && str(att["url"]) != "" && prov != nil
}

// earlier returns the versions that announced provenance before
// published, newest first.
func (pv *provView) earlier(published time.Time) []announcement {
	var out []announcement
	for i := len(pv.announced) - 1; i >= 0; i-- {
		if a := pv.announced[i]; !published.IsZero() && a.published.Before(published) {
			out = append(out, a)
		}
	}
	return out
}

// provenanceAtServe decides what a packument says of a kept version's
// provenance: an error (the version is left out) for a recorded refusal
// or a continuity break visible from what is known; else dist's
// attestations link is pointed at this registry when it announces
// provenance, and the upstream's link is returned (the file's, for the
// check on first download).
func (s *Service) provenanceAtServe(pv *provView, u *config.Upstream, name, version, integrity string, dist map[string]any, published time.Time, events *[]*core.Event) (string, error) {
	if !announcesProvenance(dist) {
		if a := pv.earlier(published); len(a) > 0 && u.ContinuityOn() && !provenanceAllowed(u, name, version) {
			why := fmt.Sprintf("it was published without build provenance, after %s was published with it (provenance continuity: a stolen publish token typically publishes from outside the project's CI)", a[0].version)
			if e := s.provenanceRefused(u, name, version, integrity, "", why); e != nil {
				*events = append(*events, e)
			}
			return "", provenanceRefusal(u, name, version, why)
		}
		delete(dist, "attestations")
		return "", nil
	}
	att := dist["attestations"].(map[string]any)
	from := str(att["url"])
	if !checkAttestURL(u, from) {
		why := "its attestations are announced outside the upstream's origin, where this registry does not fetch"
		if e := s.provenanceRefused(u, name, version, integrity, "", why); e != nil {
			*events = append(*events, e)
		}
		return "", provenanceRefusal(u, name, version, why)
	}
	if r, ok := pv.records[version]; ok && r.State == core.UpstreamProvenanceRefused {
		return "", provenanceRefusal(u, name, version, r.Reason)
	}
	if r, ok := pv.records[version]; ok && r.Facts != nil {
		if prev := pv.previousVerified(published); prev != nil {
			if why := continuityBreak(u, name, version, r.Facts, prev); why != "" {
				return "", provenanceRefusal(u, name, version, why)
			}
		}
	}
	att["url"] = s.d.PublicURL + "-/npm/v1/attestations/" + strings.Replace(name, "/", "%2f", 1) + "@" + version
	return from, nil
}

// previousVerified is the recorded, verified provenance of the newest
// version that announced it before published; nil if none is recorded.
func (pv *provView) previousVerified(published time.Time) *core.UpstreamProvenance {
	for _, a := range pv.earlier(published) {
		if r, ok := pv.records[a.version]; ok && r.State == core.UpstreamProvenanceVerified {
			return &r
		}
	}
	return nil
}

// continuityBreak says why got breaks continuity with prev (the newest
// verified provenance before it), "" if it does not or the version is
// exempt.
func continuityBreak(u *config.Upstream, name, version string, got *core.Provenance, prev *core.UpstreamProvenance) string {
	if !u.ContinuityOn() || provenanceAllowed(u, name, version) || prev.Facts == nil {
		return ""
	}
	d := provenance.Continuity(name, core.ProvenancePolicy{}, prev.Facts, got, false)
	if d.Outcome == provenance.Allow {
		return ""
	}
	return fmt.Sprintf("it was built from %s, but %s was built from %s (provenance continuity: a package does not move to another source repository between two releases unless someone who should not have published did)", d.Got, prev.Version, d.Expected)
}

// provenanceAllowed reports whether the operator exempted name or
// name@version from continuity.
func provenanceAllowed(u *config.Upstream, name, version string) bool {
	for _, p := range u.ProvenanceAllow {
		if p == name+"@"+version {
			return true
		}
		if ok, _ := path.Match(p, name); ok || p == "*" {
			return true
		}
	}
	return false
}

// provenanceRefusal is the error a client gets for a version refused for
// its provenance.
func provenanceRefusal(u *config.Upstream, name, version, why string) error {
	return core.Errorf(core.KindForbidden,
		"%s@%s (from the upstream registry %q) is not served: %s. Pin an earlier version, or ask this registry's operators to look (the refusal is in the event log; they may exempt the package with provenance_allow if it is legitimate)",
		name, version, u.Name, why)
}

// provenanceRefused logs a refusal and returns its event, once per
// upstream, version, integrity and reason (the packument is rebuilt on
// every revalidation).
func (s *Service) provenanceRefused(u *config.Upstream, name, version, integrity, repository, why string) *core.Event {
	key := "prov\x00" + u.Name + "\x00" + name + "\x00" + version + "\x00" + integrity + "\x00" + why
	s.mu.Lock()
	first := !s.reported[key]
	s.reported[key] = true
	s.mu.Unlock()
	if !first {
		return nil
	}
	s.d.Log.Warn("upstream: a version refused for its build provenance", "upstream", u.Name, "package", name, "version", version, "reason", why)
	return event.UpstreamProvenance{Upstream: u.Name, Integrity: integrity, State: core.UpstreamProvenanceRefused, Repository: repository, Reason: why}.At(s.d.Now(), name, version)
}

// checkProvenance is the check before a version's tarball or
// attestations are served: nil for a version that announces no
// provenance (continuity was applied when the packument was built) or
// whose provenance verified and keeps continuity; else the refusal.
// A version that passed is remembered: the outcome of a version, and of
// those before it, never changes, so a tarball served again costs no
// store read.
func (s *Service) checkProvenance(ctx context.Context, u *config.Upstream, doc *Document, name string, f file) error {
	if !u.VerifyProvenance || f.attest == "" {
		return nil
	}
	key := u.Name + "\x00" + name + "\x00" + f.version + "\x00" + f.integrity
	s.mu.Lock()
	passed := s.provPassed[key]
	s.mu.Unlock()
	if passed {
		return nil
	}
	r, err := s.verifiedProvenance(ctx, u, name, f)
	if err != nil {
		return err
	}
	if r.State != core.UpstreamProvenanceVerified {
		return provenanceRefusal(u, name, f.version, r.Reason)
	}
	if u.ContinuityOn() {
		prev, err := s.previousProvenance(ctx, u, doc, name, f)
		if err != nil {
			return err
		}
		if prev != nil {
			if why := continuityBreak(u, name, f.version, r.Facts, prev); why != "" {
				return s.continuityRefused(ctx, u, name, f, r, why)
			}
		}
	}
	s.mu.Lock()
	if len(s.provPassed) >= limits.MaxUpstreamProvenancePassed {
		clear(s.provPassed) // a bound on memory; each is read again once
	}
	s.provPassed[key] = true
	s.mu.Unlock()
	return nil
}

// previousProvenance is the verified provenance of the newest version
// that announced it before f, checked now if it was not yet: a refused
// one is skipped, and the search gives up after a few checks rather than
// fetch the whole history. nil if none is found.
func (s *Service) previousProvenance(ctx context.Context, u *config.Upstream, doc *Document, name string, f file) (*core.UpstreamProvenance, error) {
	fetched := 0
	for _, a := range doc.prov.earlier(f.published) {
		if rec, ok := doc.prov.records[a.version]; ok {
			if rec.State == core.UpstreamProvenanceVerified {
				return &rec, nil
			}
			continue
		}
		prev, served := doc.versionFile(a.version)
		if !served || fetched == limits.MaxUpstreamProvenanceLookback {
			continue // not served here (its cooldown), so never checked
		}
		fetched++
		pr, err := s.verifiedProvenance(ctx, u, name, prev)
		if err != nil {
			return nil, err
		}
		if pr.State == core.UpstreamProvenanceVerified {
			return pr, nil
		}
	}
	return nil, nil
}

// continuityRefused records (once) and returns a continuity refusal
// found on first download; the packument is rebuilt without the version.
func (s *Service) continuityRefused(ctx context.Context, u *config.Upstream, name string, f file, r *core.UpstreamProvenance, why string) error {
	if e := s.provenanceRefused(u, name, f.version, f.integrity, r.Facts.SourceRepository, why); e != nil {
		if err := s.d.Store.Update(ctx, func(tx store.Tx) error { return tx.AppendEvent(e) }); err != nil {
			s.d.Log.Error("upstream: recording a provenance refusal failed", "err", err)
		}
	}
	s.forget(u, name)
	return provenanceRefusal(u, name, f.version, why)
}

// verifiedProvenance returns a version's recorded outcome, verifying its
// bundle first if it was not yet. Only a verdict about the bundle is
// recorded; an upstream that cannot answer now is an error to retry.
func (s *Service) verifiedProvenance(ctx context.Context, u *config.Upstream, name string, f file) (*core.UpstreamProvenance, error) {
	ref := core.NPM(name)
	var rec *core.UpstreamProvenance
	err := s.d.Store.View(ctx, func(tx store.Tx) error {
		var err error
		rec, err = tx.UpstreamProvenanceOf(ref, f.version)
		return err
	})
	if err == nil {
		return rec, nil
	}
	if !errors.Is(err, core.ErrNotFound) {
		return nil, err
	}
	if s.d.Provenance == nil {
		return nil, core.Errorf(core.KindInternal, "verify_provenance is on but no provenance verifier was configured")
	}
	bundle, predicate, verdict, err := s.fetchBundle(ctx, u, name, f)
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	rec = &core.UpstreamProvenance{Ref: ref, Version: f.version, Upstream: u.Name, Integrity: f.integrity, At: now}
	if verdict == "" {
		sum, ok := sha512Of(f.integrity)
		if !ok {
			verdict = "its integrity is not a SHA-512 digest, which build provenance is about"
		} else if facts, err := s.d.Provenance.Verify(bundle, provenance.Subject{Name: provenance.PackageURL(ref, f.version), SHA512: sum}); err != nil {
			verdict = "its build provenance does not verify: " + core.Message(err)
		} else {
			rec.State, rec.Facts, rec.PredicateType, rec.Bundle = core.UpstreamProvenanceVerified, facts, predicate, bundle
		}
	}
	if verdict != "" {
		rec.State, rec.Reason = core.UpstreamProvenanceRefused, verdict
		s.d.Log.Warn("upstream: a version refused for its build provenance", "upstream", u.Name, "package", name, "version", f.version, "reason", verdict)
	}
	repo := ""
	if rec.Facts != nil {
		repo = rec.Facts.SourceRepository
	}
	err = s.d.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.PutUpstreamProvenance(*rec); err != nil {
			return err
		}
		return tx.AppendEvent(event.UpstreamProvenance{Upstream: u.Name, Integrity: f.integrity, State: rec.State, Repository: repo, Reason: rec.Reason}.At(now, name, f.version))
	})
	if errors.Is(err, core.ErrConflict) {
		// Another request decided first: its record stands.
		return s.verifiedProvenance(ctx, u, name, f)
	}
	if err != nil {
		return nil, err
	}
	if rec.State == core.UpstreamProvenanceRefused {
		s.forget(u, name)
	}
	return rec, nil
}

// upstreamAttestations is the attestations document of npm's endpoint.
type upstreamAttestations struct {
	Attestations []struct {
		PredicateType string          `json:"predicateType"`
		Bundle        json.RawMessage `json:"bundle"`
	} `json:"attestations"`
}

// fetchBundle reads the version's attestations from the upstream, bounded,
// and picks its build provenance (a SLSA statement; the upstream's own
// keyed publish attestation is not passed on). verdict is why the
// answer itself refuses the version ("" when a bundle was found); err an
// upstream that could not answer.
func (s *Service) fetchBundle(ctx context.Context, u *config.Upstream, name string, f file) (bundle []byte, predicate, verdict string, err error) {
	resp, cancel, err := s.get(ctx, u, f.attest, "application/json", "")
	if core.KindOf(err) == core.KindRateLimited {
		return nil, "", "", err
	}
	if err != nil {
		return nil, "", "", unavailable(u, err)
	}
	defer cancel()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", "", core.Errorf(core.KindUpstream,
			"the upstream registry %q announces build provenance for %s@%s but answered %s for it, so it cannot be verified; the version is not served until it can: try again later",
			u.Name, name, f.version, resp.Status)
	}
	b, err := readBounded(resp.Body, limits.MaxUpstreamAttestationBytes, "the upstream's attestations of "+name+"@"+f.version)
	if err != nil {
		return nil, "", err.Error(), nil
	}
	var doc upstreamAttestations
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, "", "the upstream's attestations document is not JSON: " + err.Error(), nil
	}
	for i, a := range doc.Attestations {
		if i == limits.MaxUpstreamAttestations {
			break
		}
		if a.PredicateType == provenance.PredicateSLSAv1 || a.PredicateType == provenance.PredicateSLSAv02 {
			return a.Bundle, a.PredicateType, "", nil
		}
	}
	return nil, "", "it announces build provenance but its attestations hold no SLSA provenance statement", nil
}

// Attestations returns the verified build provenance of a proxied
// version, for npm's attestations endpoint: its predicate type and the
// bundle as the upstream served it and this registry verified it. A
// version not served, without provenance, or not verifying answers as
// its tarball would.
func (s *Service) Attestations(ctx context.Context, u *config.Upstream, name, version string) (string, []byte, error) {
	doc, err := s.Packument(ctx, u, name)
	if err != nil {
		return "", nil, err
	}
	f, ok := doc.versionFile(version)
	if !ok {
		for file, err := range doc.refused {
			if strings.HasSuffix(file, "-"+version+".tgz") {
				return "", nil, err
			}
		}
		return "", nil, core.Errorf(core.KindNotFound, "%s@%s has no attestations: it is not a version served here", name, version)
	}
	if !u.VerifyProvenance || f.attest == "" {
		return "", nil, core.Errorf(core.KindNotFound, "%s@%s has no attestations here: it was published without build provenance", name, version)
	}
	if _, err := s.check(ctx, u, name, f); err != nil {
		return "", nil, err
	}
	if err := s.checkProvenance(ctx, u, doc, name, f); err != nil {
		return "", nil, err
	}
	var rec *core.UpstreamProvenance
	if err := s.d.Store.View(ctx, func(tx store.Tx) error {
		rec, err = tx.UpstreamProvenanceOf(core.NPM(name), version)
		return err
	}); err != nil {
		return "", nil, err
	}
	return rec.PredicateType, rec.Bundle, nil
}

// versionFile is the served file of version.
func (d *Document) versionFile(version string) (file, bool) {
	for _, f := range d.files {
		if f.version == version {
			return f, true
		}
	}
	return file{}, false
}

// sha512Of is the digest a sha512 integrity names.
func sha512Of(integrity string) ([]byte, bool) {
	b64, ok := strings.CutPrefix(integrity, "sha512-")
	if !ok {
		return nil, false
	}
	sum, err := base64.StdEncoding.DecodeString(b64)
	return sum, err == nil && len(sum) == 64
}

// checkAttestURL says whether an attestations link may be fetched: only
// from the upstream's own origin, as tarballs.
func checkAttestURL(u *config.Upstream, link string) bool {
	origin, err := url.Parse(u.URL)
	l, lerr := url.Parse(link)
	return err == nil && lerr == nil && l.Scheme == origin.Scheme && l.Host == origin.Host && l.User == nil
}
