package publish

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// Published describes a stored version.
type Published struct {
	Name, Version, Tag, Integrity string
	// Notice is a warning for the publisher, "" if none: npm prints it
	// (the npm-notice header) as `npm notice ...`.
	Notice string
	// StageID is set when the version landed staged (stage.go): pending
	// a maintainer's approval; StageReason says why.
	StageID, StageReason string
}

// The publish stages (pipeline.go gives their order): parse the upload,
// verify it, authorize and refuse used versions and held names, store the
// bytes by digest, scan them, then record the version, its dist-tag, the
// event and the new document in one transaction. Once that has committed,
// every maintainer is mailed a notice.

// parseStage has the ecosystem's format turn the upload into the neutral
// publish: the body's shape, declared digests, the artifact's contents and
// the manifest, all refused before anything is stored.
func parseStage(_ context.Context, r *publishRun) error {
	pub, err := r.parse()
	if err != nil {
		return err
	}
	r.pub = pub
	return nil
}

// verifyStage checks that the publish is whole and for this registry's
// ecosystem: the format's work, checked at the seam. Provenance
// verification joins here.
func verifyStage(_ context.Context, r *publishRun) error {
	pub := r.pub
	if pub.Ref.Ecosystem != r.s.format.Ecosystem() {
		return fmt.Errorf("a publish for ecosystem %q reached the %q registry", pub.Ref.Ecosystem, r.s.format.Ecosystem())
	}
	if len(pub.Artifact.SHA512) != sha512.Size || pub.Artifact.File == nil || pub.Artifact.Integrity == "" {
		return fmt.Errorf("the publish of %s@%s has no artifact digest", pub.Ref.Name, pub.Version)
	}
	r.digest = blob.Digest(hex.EncodeToString(pub.Artifact.SHA512))
	return nil
}

// policyStage applies the cheap checks that need the store before any
// bytes are stored, so that a refused publish leaves nothing behind. The
// commit stage applies them again inside its transaction.
func policyStage(ctx context.Context, r *publishRun) error {
	s, p, pub := r.s, r.p, r.pub
	// A one-time password the publish needs is spent here, between this
	// read and the commit stage's write transaction.
	return authz.Settle(p, func() error {
		return s.store.View(ctx, func(tx store.Tx) error {
			_, err := s.checkPublish(tx, p, pub, r.stage)
			return err
		})
	})
}

// storeStage stores the artifact, and the attachments kept with it, by
// digest. A publish refused later leaves them for orphan collection.
func storeStage(ctx context.Context, r *publishRun) error {
	s, pub := r.s, r.pub
	if err := s.blobs.Put(ctx, r.digest, pub.Artifact.Open()); err != nil {
		return fmt.Errorf("storing tarball of %s@%s: %w", pub.Ref.Name, pub.Version, err)
	}
	if a := pub.Attachment(ecosystem.AttachmentProvenance); a != nil {
		sum := sha512.Sum512(a.Data)
		d := blob.Digest(hex.EncodeToString(sum[:]))
		if err := s.blobs.Put(ctx, d, bytes.NewReader(a.Data)); err != nil {
			return fmt.Errorf("storing the provenance of %s@%s: %w", pub.Ref.Name, pub.Version, err)
		}
		r.provenance = d
	}
	return nil
}

// scanStage acts on the credentials the format found in the artifact
// (Config.Leaks): a live token of this registry is revoked and refuses
// the publish; another registry's refuses it or warns. Then it runs the
// malware scan (Config.Malware, malware.go), whose findings the commit
// stage turns into a quarantine.
func scanStage(ctx context.Context, r *publishRun) error {
	if len(r.pub.Secrets) > 0 && r.s.leaks != nil {
		warning, err := r.s.leaks(ctx, r.p.User.Name, r.pub.Ref, r.pub.Version, r.pub.Secrets)
		r.warning = warning
		if err != nil {
			return err
		}
	}
	if r.s != nil && r.s.malware != nil {
		scan, err := r.s.malware.Scan(ctx, r.pub)
		if err != nil {
			return err
		}
		r.malware = scan
	}
	return nil
}

// commitStage records the version, its dist-tag, the event and the new
// document in one transaction, after checking the policy again.
func commitStage(ctx context.Context, r *publishRun) error {
	s, p, pub := r.s, r.p, r.pub
	name, version, access, digest := pub.Ref.Name, pub.Version, pub.Access, r.digest
	now := s.now()
	r.now = now
	var maintainers []core.User
	var keyFrom time.Time
	err := s.store.Update(ctx, func(tx store.Tx) error {
		pkg, err := s.checkPublish(tx, p, pub, r.stage)
		if err != nil {
			return err
		}
		staged, err := s.stagingReason(tx, r, pkg)
		if err != nil {
			return err
		}
		if pkg == nil {
			pkg = &core.Package{PackageRef: pub.Ref, CreatedAt: now, ModifiedAt: now, Access: access}
			if err := tx.CreatePackage(pkg); err != nil {
				return err
			}
			if err := tx.AddMaintainer(pkg.ID, p.User.ID, now); err != nil {
				return err
			}
		} else if pkg.Tombstoned() || !pkg.NameReleasedAt.IsZero() {
			// A former maintainer brings a tombstoned package back, or a
			// new owner takes a released name: either way it is live again.
			// Old version numbers stay used forever.
			if !pkg.NameReleasedAt.IsZero() {
				if err := s.replaceMaintainers(tx, pkg, p.User, now); err != nil {
					return err
				}
			}
			pkg.UnpublishedAt, pkg.NameReleasedAt, pkg.Access = time.Time{}, time.Time{}, access
		}
		v := &core.Version{
			PackageID: pkg.ID, Version: version, Manifest: pub.Metadata.Manifest,
			Integrity: pub.Artifact.Integrity, Shasum: pub.Artifact.Shasum, Digest: string(digest),
			Size: pub.Artifact.Size, FileCount: pub.Artifact.FileCount, UnpackedSize: pub.Artifact.UnpackedSize,
			PublisherID: p.User.ID, PublishedAt: now, Dependencies: pub.Metadata.Dependencies,
			Provenance: string(r.provenance), ProvenancePredicate: r.provenancePredicate(),
		}
		var staff []string
		if r.malware != nil {
			if r.held, staff, err = r.malware.Hold(tx, pkg, v, pub.Tag); err != nil {
				return err
			}
		}
		if r.held != "" {
			// Held by the scan (malware.go): quarantined, not staged.
			v.Held, staged = core.StateQuarantined, ""
		} else if staged != "" {
			v.Held = core.StatePending
		}
		if err := tx.InsertVersion(v); err != nil {
			if errors.Is(err, core.ErrConflict) {
				return usedVersion(name, version)
			}
			return err
		}
		pb, err := publishedBy(tx, p, r.prov)
		if err != nil {
			return err
		}
		if err := tx.RecordPublishedBy(pkg.ID, version, pb); err != nil {
			return err
		}
		if s.hooks.Sign != nil {
			if err := s.hooks.Sign(tx, pub.Ref, v); err != nil {
				return err
			}
		}
		if err := s.commitProvenance(tx, r, pkg, staged != "" || r.held != ""); err != nil {
			return err
		}
		if staged == "" && r.held == "" {
			if err := tx.SetDistTag(pkg.ID, pub.Tag, version); err != nil {
				return err
			}
			if pub.Tag == "latest" || pkg.Description == "" {
				pkg.Description, pkg.Keywords = pub.Metadata.Description, pub.Metadata.Keywords
			}
		}
		if err := s.hooks.Touch(tx, pkg); err != nil {
			return err
		}
		if maintainers, err = tx.Maintainers(pkg.ID); err != nil {
			return err
		}
		// The maintainers' notice is mailed from the outbox: the event
		// names whom to tell, and how and whence the publisher came.
		via, ip := s.hooks.Signed(p)
		if staged != "" {
			// A staged version's record and event are staged publishing's.
			id, err := s.staging.Record(tx, StagedVersion{Principal: p, Package: pkg, Version: v, Tag: pub.Tag, Reason: staged,
				Maintainers: maintainers, Via: via, IP: ip, Token: tokenKey(p),
				Description: pub.Metadata.Description, Keywords: pub.Metadata.Keywords})
			if err != nil {
				return err
			}
			r.stageID, r.stageReason = id, staged
		} else if r.held != "" {
			ev := event.Quarantine{Reason: r.held, Via: via, IP: ip, Notify: core.UserNames(maintainers), Staff: staff}
			if err := tx.AppendEvent(ev.At(now, p.User.Name, name, version)); err != nil {
				return err
			}
		} else {
			ev := event.Publish{Integrity: pub.Artifact.Integrity, Tag: pub.Tag, Token: tokenKey(p), Via: via, IP: ip, Notify: core.UserNames(maintainers)}
			if err := tx.AppendEvent(ev.At(now, p.User.Name, name, version)); err != nil {
				return err
			}
		}
		if keyFrom, err = s.keyRequiredFor(tx, pkg.ID); err != nil {
			return err
		}
		return s.hooks.Refresh(tx, pkg, v)
	})
	if err != nil {
		return err
	}
	r.maintainers, r.keyFrom = maintainers, keyFrom
	return nil
}

// afterCommitStage tells people: the log, a notice mailed to every
// maintainer (from the outbox), and the answer, with npm's notice of a
// critical package's coming key requirement.
func afterCommitStage(ctx context.Context, r *publishRun) error {
	s, p, pub := r.s, r.p, r.pub
	out := &Published{Name: pub.Ref.Name, Version: pub.Version, Tag: pub.Tag, Integrity: pub.Artifact.Integrity, StageID: r.stageID, StageReason: r.stageReason}
	if r.held != "" {
		s.log.Warn("quarantined by the malware scan", "package", pub.Ref.Name, "version", pub.Version, "user", p.User.Name, "reason", r.held)
		out.Notice = heldNotice(pub.Ref.Name, pub.Version, r.held)
		r.malware.Held()
	} else if r.stageID != "" {
		s.log.Info("staged", "package", pub.Ref.Name, "version", pub.Version, "user", p.User.Name, "stage", r.stageID)
	} else {
		s.log.Info("published", "package", pub.Ref.Name, "version", pub.Version, "user", p.User.Name)
	}
	s.hooks.Wake() // the maintainers' notice is mailed from the outbox
	if r.stageID != "" {
		s.staging.Wake()
	}
	if keyFrom := r.keyFrom; !keyFrom.IsZero() {
		out.Notice = strings.TrimPrefix(out.Notice+"; ", "; ") + fmt.Sprintf("%s is a critical package: from %s, publishing and managing it need a security key or passkey (a code from an authenticator app will no longer do, nor tokens created with one); add one at %s",
			pub.Ref.Name, keyFrom.UTC().Format("2006-01-02 15:04 MST"), s.securityKeysURL)
	}
	if r.warning != "" {
		out.Notice = strings.TrimPrefix(out.Notice+"; "+r.warning, "; ")
	}
	r.out = out
	return nil
}

// keyRequiredFor is KeyRequiredFrom for a package by id: when its grace
// period ends, zero if it is not in one.
func (s *Publisher) keyRequiredFor(tx store.Critical, pkgID int64) (time.Time, error) {
	c, err := tx.CriticalState(pkgID)
	if err != nil {
		return time.Time{}, err
	}
	return s.hooks.KeyRequiredFrom(c), nil
}

// checkPublish applies the rules that need the store: authorization, held
// names and used versions. It returns the existing package, or nil.
func (s *Publisher) checkPublish(tx packagesCriticalUsers, p authz.Principal, pub *ecosystem.Publish, stage bool) (*core.Package, error) {
	pkg, err := tx.PackageByRef(pub.Ref)
	if stage && (errors.Is(err, core.ErrNotFound) || (err == nil && (pkg.Tombstoned() || !pkg.NameReleasedAt.IsZero()))) {
		return nil, firstVersionNotStaged(pub.Ref.Name)
	}
	if errors.Is(err, core.ErrNotFound) {
		if err := authz.Authorize(p, authz.CreatePackage, authz.Resource{Package: pub.Ref}); err != nil {
			return nil, err
		}
		if err := s.checkTrust(tx, p, pub.Ref, false); err != nil {
			return nil, err
		}
		return nil, checkScope(tx, s.format, p, pub.Ref.Name)
	}
	if err != nil {
		return nil, err
	}
	if err := s.checkTrust(tx, p, pub.Ref, true); err != nil {
		return nil, err
	}
	existing, err := s.resourceOf(tx, pkg)
	if err != nil {
		return nil, err
	}
	switch {
	case !pkg.NameReleasedAt.IsZero():
		// An administrator released the name: anyone may take it who
		// could create it new.
		if err := authz.Authorize(p, authz.CreatePackage, authz.Resource{Package: pub.Ref}); err != nil {
			return nil, err
		}
		if err := checkScope(tx, s.format, p, pub.Ref.Name); err != nil {
			return nil, err
		}
	case pkg.Tombstoned():
		if err := authz.Authorize(p, authz.PublishVersion, existing); authz.NeedsOTP(err) {
			return nil, err
		} else if err != nil {
			return nil, heldName(pkg)
		}
	case stage:
		// A staged version needs no second factor: its approval does.
		if err := authz.Authorize(p, authz.StagePublish, existing); err != nil {
			return nil, err
		}
	default:
		if err := authz.Authorize(p, authz.PublishVersion, existing); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Version(pkg.ID, pub.Version); err == nil {
		return nil, usedVersion(pub.Ref.Name, pub.Version)
	} else if !errors.Is(err, core.ErrNotFound) {
		return nil, err
	}
	return pkg, nil
}

func heldName(pkg *core.Package) error {
	return core.Errorf(core.KindForbidden, "the name %s was unpublished on %s and is held so that nobody else can take it; choose another name, or ask the registry's administrators to release it",
		pkg.Name, pkg.UnpublishedAt.Format("2006-01-02"))
}

func usedVersion(name, version string) error {
	return core.Errorf(core.KindConflict, "cannot publish over previously published version %q of %s: versions are immutable, even after unpublish; bump the version in package.json and publish again", version, name)
}

// replaceMaintainers makes u the only maintainer (a released name changes hands).
func (s *Publisher) replaceMaintainers(tx store.Packages, pkg *core.Package, u *core.User, now time.Time) error {
	ms, err := tx.Maintainers(pkg.ID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := tx.RemoveMaintainer(pkg.ID, m.ID); err != nil {
			return err
		}
	}
	tags, err := tx.DistTags(pkg.ID)
	if err != nil {
		return err
	}
	for t := range tags {
		if err := tx.DeleteDistTag(pkg.ID, t); err != nil {
			return err
		}
	}
	return tx.AddMaintainer(pkg.ID, u.ID, now)
}

func tokenKey(p authz.Principal) string {
	if p.Token == nil {
		return ""
	}
	return p.Token.Key
}
