package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// Proxied versions go through the same screening as local ones: the
// malware scan (internal/quarantine's rules and blocklist) on a tarball's
// first download, before it is stored or served, a finding holding the
// version (store.UpstreamHolds, upstream.quarantine) for the moderators
// (moderation.go); and this registry's MAL- advisories, a version they
// name being left out of packuments and its tarball refused with the
// advisory's id.

// Scan scans an artifact with the registry's malware rules and blocklist.
type Scan func(ctx context.Context, r io.Reader) ([]core.ScanFinding, error)

// Malicious returns, for a package, a function that names the MAL-
// advisory in force for a version ("" for none).
type Malicious func(ctx context.Context, ref core.PackageRef) (func(version string) string, error)

// screening is what the screening knows of one package at one time.
type screening struct {
	holds map[string]core.UpstreamHold // by version
	mal   func(version string) string
}

// screen reads a package's holds and MAL- advisories.
func (s *Service) screen(ctx context.Context, tx store.Tx, ref core.PackageRef) (*screening, error) {
	sc := &screening{holds: map[string]core.UpstreamHold{}, mal: func(string) string { return "" }}
	holds, err := tx.UpstreamHolds(ref)
	if err != nil {
		return nil, err
	}
	for _, h := range holds {
		sc.holds[h.Version] = h
	}
	if s.d.Malicious != nil {
		if sc.mal, err = s.d.Malicious(ctx, ref); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// refusal is why version is not served, nil if it may be.
func (s *Service) refusal(sc *screening, u *config.Upstream, name, version string) error {
	if id := sc.mal(version); id != "" {
		return core.Errorf(core.KindForbidden,
			"%s@%s is blocked: this registry's advisory %s names it as malicious, so it is not served (from the upstream registry %q or anywhere). Remove it from your dependencies; see %sadvisories/%s",
			name, version, id, u.Name, s.d.PublicURL, id)
	}
	h, ok := sc.holds[version]
	switch {
	case !ok || h.State == core.UpstreamReleased:
		return nil
	case h.State == core.UpstreamConfirmed:
		return core.Errorf(core.KindForbidden,
			"%s@%s (from the upstream registry %q) was confirmed malicious by this registry's moderators (advisory %s) and is never served; remove it from your dependencies",
			name, version, u.Name, h.Advisory)
	default:
		return core.Errorf(core.KindNotFound,
			"%s@%s (from the upstream registry %q) is quarantined: this registry's malware scan found %s. It is held for review by the registry's moderators and served to no one until they release it",
			name, version, u.Name, h.Reason)
	}
}

// check is the live screening of one version before its tarball is
// served: a hold or an advisory newer than the cached packument counts.
func (s *Service) check(ctx context.Context, u *config.Upstream, name string, f file) (*screening, error) {
	var sc *screening
	if err := s.d.Store.View(ctx, func(tx store.Tx) error {
		var err error
		sc, err = s.screen(ctx, tx, core.NPM(name))
		return err
	}); err != nil {
		return nil, err
	}
	return sc, s.refusal(sc, u, name, f.version)
}

// scanFetched scans a fetched tarball before it is stored: a finding
// records the hold, with its event, and refuses the tarball. A version a
// moderator released is not scanned again.
func (s *Service) scanFetched(ctx context.Context, u *config.Upstream, sc *screening, name string, f file, tmp *os.File) error {
	if s.d.Scan == nil {
		return nil
	}
	if h, ok := sc.holds[f.version]; ok && h.State == core.UpstreamReleased && h.Integrity == f.integrity {
		return nil
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	found, err := s.d.Scan(ctx, tmp)
	if err != nil {
		// Not a tarball the scanner can read is not a tarball to serve.
		return core.Errorf(core.KindUpstream, "the upstream's tarball of %s@%s could not be scanned for malware (%v); it is not served", name, f.version, err)
	}
	if len(found) == 0 {
		return nil
	}
	why := s.d.Summary(found)
	rules := make([]string, 0, len(found))
	for _, x := range found {
		rules = append(rules, x.Rule)
	}
	js, _ := json.Marshal(found)
	// The bytes are kept as the hold's evidence (evidence.go), never
	// served while held; stored only once the hold is recorded, so that
	// no failure leaves them where Tarball would serve them unheld.
	digest, err := fileDigest(tmp)
	if err != nil {
		return err
	}
	now := s.d.Now()
	h := core.UpstreamHold{Ref: core.NPM(name), Version: f.version, Upstream: u.Name, Integrity: f.integrity, Reason: why, Findings: js, At: now, State: core.UpstreamHeld, Digest: digest}
	err = s.d.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.PutUpstreamHold(h); err != nil {
			return err
		}
		// The moderators at the time are mailed (notices.go).
		staff, err := tx.SiteStaff()
		if err != nil {
			return err
		}
		return tx.AppendEvent(event.UpstreamQuarantine{Upstream: u.Name, Integrity: f.integrity, Rules: rules, Reason: why, Staff: core.UserNames(staff)}.At(now, name, f.version))
	})
	if err != nil && !errors.Is(err, core.ErrConflict) {
		return err
	}
	if err == nil {
		s.notices.Wake()
	}
	// Kept even if the client went away: the moderators need them.
	s.keepEvidence(context.WithoutCancel(ctx), tmp, digest)
	s.d.Log.Warn("upstream: the malware scan held a proxied version", "upstream", u.Name, "package", name, "version", f.version, "reason", why)
	s.forget(u, name)
	sc.holds[f.version] = h
	return s.refusal(sc, u, name, f.version)
}

// forget drops name's served packument from memory, so that the next
// read applies a new hold or decision (the upstream's copy is kept).
func (s *Service) forget(u *config.Upstream, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := u.Name + "\x00" + name
	if e := s.docs[key]; e != nil {
		s.docBytes -= e.size()
		delete(s.docs, key)
	}
}
