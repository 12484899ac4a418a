package quarantine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/malscan"
	"github.com/rampart/rampart/internal/store"
)

// The moderators' actions on a version. Each is one transaction holding
// the version's new state, why (store.Malware's hold record), the
// package's revision, its event and its document's stale mark.
//
//	hold     live → quarantined (by hand, with a reason)
//	release  quarantined by a scan or a moderator → live; the rules that
//	         matched are noted as false positives for this version
//	remove   live or held → quarantined as removed (taken down)
//	restore  held or removed by a moderator → live
//	confirm  any version → unpublished for good; its digests blocklisted,
//	         a MAL- advisory published, optionally its maintainers'
//	         tokens revoked
//
// Confirm and remove need a fresh second factor (fresh).

// Outcome is what an action did, for the answer.
type Outcome struct {
	Package, Version string
	State            core.VersionState
	Hold             core.HoldKind
	// Tag is the dist-tag a release or restore moved, "" if none.
	Tag string
	// Advisory, Blocked and TokensRevoked: a confirmation's results.
	Advisory      string
	Blocked       int
	TokensRevoked int
}

// change runs one action's transaction: f changes t and returns the event
// to record; the version and package are written and refreshed here.
func (s *Service) change(ctx context.Context, name, version string, f func(tx store.Tx, t *target) (*core.Event, error)) (*Outcome, error) {
	var out *Outcome
	err := s.store.Update(ctx, func(tx store.Tx) error {
		t, err := s.target(tx, name, version)
		if err != nil {
			return err
		}
		e, err := f(tx, t)
		if err != nil {
			return err
		}
		if err := tx.UpdateVersion(t.v); err != nil {
			return err
		}
		if err := s.cfg.Hooks.Touch(tx, t.pkg); err != nil {
			return err
		}
		if err := tx.AppendEvent(e); err != nil {
			return err
		}
		if err := s.cfg.Hooks.Refresh(tx, t.pkg, t.v); err != nil {
			return err
		}
		out = &Outcome{Package: name, Version: version, State: t.v.State()}
		if t.hold != nil {
			out.Hold = t.hold.Kind
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.notices.Wake()
	if s.cfg.Hooks.Wake != nil {
		s.cfg.Hooks.Wake()
	}
	return out, nil
}

func (s *Service) putHold(tx store.Tx, t *target, kind core.HoldKind, why, by string, tag string) error {
	h := core.VersionHold{PackageID: t.pkg.ID, Version: t.v.Version, Kind: kind, Reason: why, By: by, At: s.now(), Tag: tag}
	if err := tx.PutVersionHold(h); err != nil {
		return err
	}
	t.hold = &h
	return nil
}

func gone(t *target) error {
	if t.v.State() == core.StateUnpublished {
		return core.Errorf(core.KindConflict, "%s@%s is unpublished; nothing to change", t.pkg.Name, t.v.Version)
	}
	return nil
}

// Hold quarantines a version by hand: served to no one until released.
func (s *Service) Hold(ctx context.Context, p authz.Principal, name, version, why string) (*Outcome, error) {
	why, err := reason(why, "hold")
	if err != nil {
		return nil, err
	}
	if err := authorize(p); err != nil {
		return nil, err
	}
	via, ip := s.signed(p)
	return s.change(ctx, name, version, func(tx store.Tx, t *target) (*core.Event, error) {
		if err := gone(t); err != nil {
			return nil, err
		}
		if t.v.State() == core.StateQuarantined {
			return nil, core.Errorf(core.KindConflict, "%s@%s is already held; release or confirm it", name, version)
		}
		t.v.Held = core.StateQuarantined
		if err := s.putHold(tx, t, core.HoldModerator, why, actor(p), ""); err != nil {
			return nil, err
		}
		ev := event.Quarantine{Reason: why, Via: via, IP: ip, Notify: core.UserNames(t.maintainers)}
		return ev.At(s.now(), actor(p), name, version), nil
	})
}

// Release lifts a scan's or a moderator's hold (a false positive): the
// version is served again, the tag its publish asked for moves to it if
// it is the highest, and every rule that matched it is noted so that a
// rescan does not hold it again for the same rule.
func (s *Service) Release(ctx context.Context, p authz.Principal, name, version, why string) (*Outcome, error) {
	why, err := reason(why, "release")
	if err != nil {
		return nil, err
	}
	if err := authorize(p); err != nil {
		return nil, err
	}
	via, ip := s.signed(p)
	var tag string
	out, err := s.change(ctx, name, version, func(tx store.Tx, t *target) (*core.Event, error) {
		if err := gone(t); err != nil {
			return nil, err
		}
		if t.v.State() != core.StateQuarantined {
			return nil, core.Errorf(core.KindConflict, "%s@%s is not held; nothing to release", name, version)
		}
		if t.hold != nil && t.hold.Kind == core.HoldRemoved {
			return nil, core.Errorf(core.KindConflict, "%s@%s was removed by a moderator: restore it instead", name, version)
		}
		fs, err := tx.ScanFindings(t.pkg.ID, version)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if err := tx.NoteFalsePositive(core.FalsePositive{PackageID: t.pkg.ID, Version: version, Rule: f.Rule, By: actor(p), At: s.now()}); err != nil {
				return nil, err
			}
		}
		if tag, err = s.unhold(tx, t, why, actor(p)); err != nil {
			return nil, err
		}
		ev := event.QuarantineRelease{Reason: why, Via: via, IP: ip, Notify: core.UserNames(t.maintainers)}
		return ev.At(s.now(), actor(p), name, version), nil
	})
	if out != nil {
		out.Tag = tag
	}
	return out, err
}

// Restore brings back a version a moderator held or removed.
func (s *Service) Restore(ctx context.Context, p authz.Principal, name, version, why string) (*Outcome, error) {
	why, err := reason(why, "restore")
	if err != nil {
		return nil, err
	}
	if err := authorize(p); err != nil {
		return nil, err
	}
	via, ip := s.signed(p)
	var tag string
	out, err := s.change(ctx, name, version, func(tx store.Tx, t *target) (*core.Event, error) {
		if t.hold != nil && t.hold.Kind == core.HoldConfirmed {
			return nil, core.Errorf(core.KindConflict, "%s@%s was confirmed malicious and is gone for good; it cannot be restored", name, version)
		}
		if err := gone(t); err != nil {
			return nil, err
		}
		if t.v.State() != core.StateQuarantined || t.hold == nil || (t.hold.Kind != core.HoldRemoved && t.hold.Kind != core.HoldModerator) {
			return nil, core.Errorf(core.KindConflict, "%s@%s is not held or removed by a moderator; a scan's hold is lifted with release", name, version)
		}
		if tag, err = s.unhold(tx, t, why, actor(p)); err != nil {
			return nil, err
		}
		ev := event.VersionRestore{Reason: why, Via: via, IP: ip, Notify: core.UserNames(t.maintainers)}
		return ev.At(s.now(), actor(p), name, version), nil
	})
	if out != nil {
		out.Tag = tag
	}
	return out, err
}

// unhold makes t's version live again and moves the tag its publish
// asked for to it, if the tag is free or points at a lower version.
func (s *Service) unhold(tx store.Tx, t *target, why, by string) (string, error) {
	tag := ""
	if t.hold != nil {
		tag = t.hold.Tag
	}
	t.v.Held = ""
	if err := s.putHold(tx, t, core.HoldReleased, why, by, tag); err != nil {
		return "", err
	}
	if tag == "" {
		return "", nil
	}
	tags, err := tx.DistTags(t.pkg.ID)
	if err != nil {
		return "", err
	}
	if cur := tags[tag]; cur != "" && cur != t.v.Version && s.cfg.Hooks.Format.Highest([]string{cur, t.v.Version}) != t.v.Version {
		return "", nil
	}
	return tag, tx.SetDistTag(t.pkg.ID, tag, t.v.Version)
}

// Remove takes a version down with a reason: not served, restorable.
func (s *Service) Remove(ctx context.Context, p authz.Principal, name, version, why string) (*Outcome, error) {
	why, err := reason(why, "remove")
	if err != nil {
		return nil, err
	}
	if err := authorize(p); err != nil {
		return nil, err
	}
	if err := fresh(p); err != nil {
		return nil, err
	}
	via, ip := s.signed(p)
	return s.change(ctx, name, version, func(tx store.Tx, t *target) (*core.Event, error) {
		if err := gone(t); err != nil {
			return nil, err
		}
		if t.hold != nil && t.hold.Kind == core.HoldRemoved && t.v.State() == core.StateQuarantined {
			return nil, core.Errorf(core.KindConflict, "%s@%s is already removed", name, version)
		}
		tag := ""
		if t.hold != nil && t.v.State() == core.StateQuarantined {
			tag = t.hold.Tag // a scan's hold: the tag still waits for it
		} else if tag, err = s.moveLatestOff(tx, t); err != nil {
			return nil, err
		}
		t.v.Held = core.StateQuarantined
		if err := s.putHold(tx, t, core.HoldRemoved, why, actor(p), tag); err != nil {
			return nil, err
		}
		ev := event.VersionRemove{Reason: why, Via: via, IP: ip, Notify: core.UserNames(t.maintainers)}
		return ev.At(s.now(), actor(p), name, version), nil
	})
}

// moveLatestOff points latest, when it names t's version (about to be
// taken down), at the highest other version anyone may install, so that
// `npm view` and clients that read the tag keep a latest version; it
// returns "latest" for the hold to keep, so that Restore moves the tag
// back (unhold). A package with no other served version keeps the tag as
// it is: its documents leave a tag on an unservable version out.
func (s *Service) moveLatestOff(tx store.Tx, t *target) (string, error) {
	tags, err := tx.DistTags(t.pkg.ID)
	if err != nil {
		return "", err
	}
	if tags["latest"] != t.v.Version {
		return "", nil
	}
	all, err := tx.Versions(t.pkg.ID)
	if err != nil {
		return "", err
	}
	var served []string
	for i := range all {
		if all[i].Version != t.v.Version && core.Servable(&all[i], t.pkg, core.ViewerAnyone) {
			served = append(served, all[i].Version)
		}
	}
	if h := s.cfg.Hooks.Format.Highest(served); h != "" {
		if err := tx.SetDistTag(t.pkg.ID, "latest", h); err != nil {
			return "", err
		}
	}
	return "latest", nil
}

// ConfirmOptions are a confirmation's choices.
type ConfirmOptions struct {
	// RevokeTokens revokes every token of the package's maintainers (an
	// account taken over keeps publishing otherwise).
	RevokeTokens bool
}

// Confirm confirms a version malicious: unpublished for good (never
// restorable, its number never reusable), its artifact's and files'
// digests blocklisted (the same bytes are held wherever they are
// published again), a MAL- advisory published (Config.Advisories), and
// optionally the maintainers' tokens revoked.
func (s *Service) Confirm(ctx context.Context, p authz.Principal, name, version, why string, opts ConfirmOptions) (*Outcome, error) {
	why, err := reason(why, "confirm")
	if err != nil {
		return nil, err
	}
	if err := authorize(p); err != nil {
		return nil, err
	}
	if err := fresh(p); err != nil {
		return nil, err
	}
	// What to blocklist and what the advisory says are read first,
	// outside the transaction: the artifact's bytes, and the findings.
	var v *core.Version
	var findings []core.ScanFinding
	err = s.store.View(ctx, func(tx store.Tx) error {
		t, err := s.target(tx, name, version)
		if err != nil {
			return err
		}
		if t.hold != nil && t.hold.Kind == core.HoldConfirmed {
			return core.Errorf(core.KindConflict, "%s@%s is already confirmed malicious", name, version)
		}
		v = t.v
		findings, err = tx.ScanFindings(t.pkg.ID, version)
		return err
	})
	if err != nil {
		return nil, err
	}
	block, err := s.digestsOf(ctx, name, v, why)
	if err != nil {
		return nil, err
	}
	advisory := ""
	if s.cfg.Advisories != nil {
		advisory, err = s.cfg.Advisories.PublishMalicious(ctx, actor(p), s.ref(name), []string{version},
			fmt.Sprintf("Malicious code in %s (%s)", name, s.ref(name).Ecosystem), details(name, version, why, findings))
		if err != nil {
			return nil, fmt.Errorf("publishing the advisory of %s@%s: %w", name, version, err)
		}
	}
	via, ip := s.signed(p)
	revoked := 0
	out, err := s.change(ctx, name, version, func(tx store.Tx, t *target) (*core.Event, error) {
		if t.hold != nil && t.hold.Kind == core.HoldConfirmed {
			return nil, core.Errorf(core.KindConflict, "%s@%s is already confirmed malicious", name, version)
		}
		now := s.now()
		if t.v.State() != core.StateUnpublished {
			t.v.UnpublishedAt = now
		}
		t.v.Held = core.StateQuarantined
		for i := range block {
			block[i].AddedAt, block[i].By = now, actor(p)
		}
		if err := tx.BlockDigests(block); err != nil {
			return nil, err
		}
		if err := s.putHold(tx, t, core.HoldConfirmed, why, actor(p), ""); err != nil {
			return nil, err
		}
		revoked = 0
		if opts.RevokeTokens {
			for _, m := range t.maintainers {
				ts, err := tx.TokensByUser(m.ID)
				if err != nil {
					return nil, err
				}
				for _, tok := range ts {
					if !tok.RevokedAt.IsZero() {
						continue
					}
					if err := tx.RevokeToken(m.ID, tok.Key, now); err != nil {
						return nil, err
					}
					revoked++
				}
			}
		}
		ev := event.ConfirmMalicious{Reason: why, Integrity: t.v.Integrity, Blocked: len(block), Advisory: advisory, TokensRevoked: revoked,
			Via: via, IP: ip, Notify: core.UserNames(t.maintainers)}
		return ev.At(now, actor(p), name, version), nil
	})
	if err != nil {
		return nil, err
	}
	out.Advisory, out.Blocked, out.TokensRevoked = advisory, len(block), revoked
	s.log.Warn("version confirmed malicious", "package", name, "version", version, "user", actor(p), "advisory", advisory, "blocked", len(block), "tokens_revoked", revoked)
	return out, nil
}

// digestsOf lists the digests a confirmation blocklists: the artifact's
// SHA-512 (its blob key) and SHA-256, and every file's SHA-256.
func (s *Service) digestsOf(ctx context.Context, name string, v *core.Version, why string) ([]core.BlockedDigest, error) {
	src := name + "@" + v.Version
	out := []core.BlockedDigest{{Digest: "sha512:" + v.Digest, Kind: malscan.DigestArtifact, Reason: why, Source: src}}
	r, _, err := s.blobs.Open(ctx, blob.Digest(v.Digest))
	if errors.Is(err, core.ErrNotFound) {
		return out, nil // the bytes are gone: the version's digest is enough
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	in, err := malscan.ReadTarGz(r, s.cfg.Scanner.maxUnpacked)
	if err != nil {
		return out, nil // not an archive the scan reads: block the whole
	}
	out = out[:0]
	seen := map[string]bool{}
	for _, d := range in.Digests() {
		if seen[d.Value] {
			continue
		}
		seen[d.Value] = true
		out = append(out, core.BlockedDigest{Digest: d.Value, Kind: d.Kind, Reason: why, Source: src})
	}
	return out, nil
}

// details is the advisory's text: the moderator's words and the findings.
func details(name, version, why string, fs []core.ScanFinding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s@%s was confirmed malicious by the registry's moderators: %s\n", name, version, why)
	if len(fs) > 0 {
		b.WriteString("\nFindings of the malware scan:\n")
		for _, f := range fs {
			fmt.Fprintf(&b, "- %s (%s)", f.Rule, f.Summary)
			if f.File != "" {
				fmt.Fprintf(&b, " in %s", f.File)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\nAny computer that has this package installed or running should be considered fully compromised: rotate every secret and key used on it from a different computer.\n")
	return b.String()
}

// signed says how p signed in, for the notices; the console is the
// operator at the machine.
func (s *Service) signed(p authz.Principal) (via, ip string) {
	if p.Console || s.cfg.Hooks.Signed == nil {
		return "the console", ""
	}
	return s.cfg.Hooks.Signed(p)
}
