package upstream

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/provenance"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/upstream/provrules"
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

// provenanceAtServe decides what a packument says of a kept version's
// provenance: an error (the version is left out) for a recorded refusal
// or a continuity break visible from what is known; else dist's
// attestations link is pointed at this registry when it announces
// provenance, and the upstream's link is returned (the file's, for the
// check on first download).
func (s *Service) provenanceAtServe(pv *provrules.Versions, u *config.Upstream, name, version, integrity string, dist map[string]any, published time.Time, events *[]*core.Event) (string, error) {
	if !provrules.Announces(dist) {
		if why := pv.WithoutProvenance(u, name, version, published); why != "" {
			if e := s.provenanceRefused(u, name, version, integrity, "", why); e != nil {
				*events = append(*events, e)
			}
			return "", provrules.Refusal(u, name, version, why)
		}
		delete(dist, "attestations")
		return "", nil
	}
	att := dist["attestations"].(map[string]any)
	from := str(att["url"])
	if !provrules.FetchAllowed(u, from) {
		why := "its attestations are announced outside the upstream's origin, where this registry does not fetch"
		if e := s.provenanceRefused(u, name, version, integrity, "", why); e != nil {
			*events = append(*events, e)
		}
		return "", provrules.Refusal(u, name, version, why)
	}
	if r, ok := pv.Records[version]; ok && r.State == core.UpstreamProvenanceRefused {
		return "", provrules.Refusal(u, name, version, r.Reason)
	}
	if r, ok := pv.Records[version]; ok && r.Facts != nil {
		if prev := pv.PreviousVerified(published); prev != nil {
			if why := provrules.Break(u, name, version, r.Facts, prev); why != "" {
				return "", provrules.Refusal(u, name, version, why)
			}
		}
	}
	att["url"] = s.d.PublicURL + "-/npm/v1/attestations/" + strings.Replace(name, "/", "%2f", 1) + "@" + version
	return from, nil
}

// provenanceRefused logs a refusal and returns its event, once per
// upstream, version, integrity and reason (the packument is rebuilt on
// every revalidation).
func (s *Service) provenanceRefused(u *config.Upstream, name, version, integrity, repository, why string) *core.Event {
	if !s.firstReport("prov", u.Name, name, version, integrity, why) {
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
		return provrules.Refusal(u, name, f.version, r.Reason)
	}
	if u.ContinuityOn() {
		prev, err := s.previousProvenance(ctx, u, doc, name, f)
		if err != nil {
			return err
		}
		if prev != nil {
			if why := provrules.Break(u, name, f.version, r.Facts, prev); why != "" {
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
	for _, a := range doc.prov.Earlier(f.published) {
		if rec, ok := doc.prov.Records[a.Version]; ok {
			if rec.State == core.UpstreamProvenanceVerified {
				return &rec, nil
			}
			continue
		}
		prev, served := doc.versionFile(a.Version)
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
	return provrules.Refusal(u, name, f.version, why)
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
		sum, ok := npm.SHA512OfIntegrity(f.integrity)
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
		e := event.UpstreamProvenance{Upstream: u.Name, Integrity: f.integrity, State: rec.State, Repository: repo, Reason: rec.Reason}
		if rec.State == core.UpstreamProvenanceRefused {
			// The moderators at the time are mailed (notices.go): a bundle
			// that does not verify may mean a tampered upstream.
			staff, err := tx.SiteStaff()
			if err != nil {
				return err
			}
			e.Staff = core.UserNames(staff)
		}
		return tx.AppendEvent(e.At(now, name, f.version))
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
		s.notices.Wake()
	}
	return rec, nil
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
	bundle, predicate, verdict = provrules.Pick(b)
	return bundle, predicate, verdict, nil
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
		// The refusal of that version's tarball, npm's file name for it.
		if err := doc.refused[name[strings.LastIndexByte(name, '/')+1:]+"-"+version+".tgz"]; err != nil {
			return "", nil, err
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
