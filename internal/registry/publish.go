package registry

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	npmtar "github.com/rampart/rampart/internal/ecosystem/npm/tarball"
	"github.com/rampart/rampart/internal/quote"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/store"
)

// Published describes a stored version.
type Published struct {
	Name, Version, Tag, Integrity string
	// Notice is a warning for the publisher, "" if none: npm prints it
	// (the npm-notice header) as `npm notice ...`.
	Notice string
}

// publish runs the publish pipeline on a parsed publish whose tarball
// tarball reads (each call from the start): check the tarball, authorize,
// refuse used versions and held names, store the bytes by digest, then
// record the version, its dist-tag, the event and the new document in one
// transaction. Once that has committed, every maintainer is mailed a
// notice.
func (s *Service) publish(ctx context.Context, p authz.Principal, pub *npm.Publish, tarball func() io.Reader) (*Published, error) {
	info, err := npmtar.Inspect(tarball(), s.cfg.Limits)
	if err != nil {
		return nil, err
	}
	if info.Name != pub.Name || info.Version != pub.Version {
		return nil, core.Errorf(core.KindInvalid, "the package.json inside the tarball says %s@%s but the publish document says %s@%s; rebuild the tarball with `npm pack` and publish again",
			quote.Untrusted(info.Name), quote.Untrusted(info.Version), pub.Name, pub.Version)
	}
	manifest, deps, err := s.versionManifest(pub, info)
	if err != nil {
		return nil, err
	}
	access := pub.Access
	if access == "" {
		access = "public"
	}
	if access == "restricted" && !strings.HasPrefix(pub.Name, "@") {
		return nil, core.Errorf(core.KindInvalid, "only scoped packages (@scope/name) can be restricted")
	}

	// Cheap checks before any bytes are stored, so that a refused publish
	// leaves nothing behind. A one-time password the publish needs is
	// spent here, between this read and the write transaction.
	if err := authz.Settle(p, func() error {
		return s.store.View(ctx, func(tx store.Tx) error {
			_, err := s.checkPublish(tx, p, pub)
			return err
		})
	}); err != nil {
		return nil, err
	}

	digest := blob.Digest(hex.EncodeToString(pub.TarballSHA512))
	if err := s.blobs.Put(ctx, digest, tarball()); err != nil {
		return nil, fmt.Errorf("storing tarball of %s@%s: %w", pub.Name, pub.Version, err)
	}

	now := s.now()
	var maintainers []core.User
	var keyFrom time.Time
	err = s.store.Update(ctx, func(tx store.Tx) error {
		pkg, err := s.checkPublish(tx, p, pub)
		if err != nil {
			return err
		}
		if pkg == nil {
			pkg = &core.Package{PackageRef: s.ref(pub.Name), CreatedAt: now, ModifiedAt: now, Access: access}
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
			PackageID: pkg.ID, Version: pub.Version, Manifest: manifest,
			Integrity: pub.Integrity, Shasum: pub.TarballShasum, Digest: string(digest),
			Size: pub.TarballSize, FileCount: info.FileCount, UnpackedSize: info.UnpackedSize,
			PublisherID: p.User.ID, PublishedAt: now, Dependencies: deps,
		}
		if err := tx.InsertVersion(v); err != nil {
			if errors.Is(err, core.ErrConflict) {
				return usedVersion(pub.Name, pub.Version)
			}
			return err
		}
		if err := tx.SetDistTag(pkg.ID, pub.Tag, pub.Version); err != nil {
			return err
		}
		if pub.Tag == "latest" || pkg.Description == "" {
			pkg.Description, pkg.Keywords = describeManifest(pub.Manifest)
		}
		if err := s.touch(tx, pkg); err != nil {
			return err
		}
		if err := tx.AppendEvent(&core.Event{At: now, Type: core.EventPublish, Actor: p.User.Name, Package: pub.Name, Version: pub.Version,
			Data: jsonData(map[string]any{"integrity": pub.Integrity, "tag": pub.Tag, "token": tokenKey(p)})}); err != nil {
			return err
		}
		if maintainers, err = tx.Maintainers(pkg.ID); err != nil {
			return err
		}
		if keyFrom, err = s.keyRequiredFor(tx, pkg.ID); err != nil {
			return err
		}
		return s.refreshPublished(tx, pkg)
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("published", "package", pub.Name, "version", pub.Version, "user", p.User.Name)
	n := s.newNotice(p, pub.Name, now)
	n.Version = pub.Version
	s.mailNotices(ctx, []notice{{kind: mail.KindPackagePublished, n: n, to: maintainers}})
	out := &Published{Name: pub.Name, Version: pub.Version, Tag: pub.Tag, Integrity: pub.Integrity}
	if !keyFrom.IsZero() {
		out.Notice = fmt.Sprintf("%s is a critical package: from %s, publishing and managing it need a security key or passkey (a code from an authenticator app will no longer do, nor tokens created with one); add one at %s%s",
			pub.Name, keyFrom.UTC().Format("2006-01-02 15:04 MST"), s.cfg.PublicURL, pathSecurityKeys)
	}
	return out, nil
}

// keyRequiredFor is KeyRequiredFrom for a package by id: when its grace
// period ends, zero if it is not in one.
func (s *Service) keyRequiredFor(tx store.Critical, pkgID int64) (time.Time, error) {
	c, err := tx.CriticalState(pkgID)
	if err != nil {
		return time.Time{}, err
	}
	return s.KeyRequiredFrom(c), nil
}

// checkPublish applies the rules that need the store: authorization, held
// names and used versions. It returns the existing package, or nil.
func (s *Service) checkPublish(tx packagesCriticalUsers, p authz.Principal, pub *npm.Publish) (*core.Package, error) {
	pkg, err := tx.PackageByRef(s.ref(pub.Name))
	if errors.Is(err, core.ErrNotFound) {
		if err := authz.Authorize(p, authz.CreatePackage, authz.Resource{Package: s.ref(pub.Name)}); err != nil {
			return nil, err
		}
		return nil, checkScope(tx, p, pub.Name)
	}
	if err != nil {
		return nil, err
	}
	ms, err := tx.Maintainers(pkg.ID)
	if err != nil {
		return nil, err
	}
	critical, err := tx.CriticalState(pkg.ID)
	if err != nil {
		return nil, err
	}
	existing := authz.Resource{Package: s.ref(pub.Name), Maintainers: ms, Critical: critical.Critical(), CriticalSince: critical.GraceStart()}
	switch {
	case !pkg.NameReleasedAt.IsZero():
		// An administrator released the name: anyone may take it who
		// could create it new.
		if err := authz.Authorize(p, authz.CreatePackage, authz.Resource{Package: s.ref(pub.Name)}); err != nil {
			return nil, err
		}
		if err := checkScope(tx, p, pub.Name); err != nil {
			return nil, err
		}
	case pkg.Tombstoned():
		if err := authz.Authorize(p, authz.PublishVersion, existing); authz.NeedsOTP(err) {
			return nil, err
		} else if err != nil {
			return nil, heldName(pkg)
		}
	default:
		if err := authz.Authorize(p, authz.PublishVersion, existing); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Version(pkg.ID, pub.Version); err == nil {
		return nil, usedVersion(pub.Name, pub.Version)
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
func (s *Service) replaceMaintainers(tx store.Packages, pkg *core.Package, u *core.User, now time.Time) error {
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

func describeManifest(m map[string]any) (string, string) {
	desc, _ := m["description"].(string)
	var kws []string
	switch k := m["keywords"].(type) {
	case []any:
		for _, w := range k {
			if s, ok := w.(string); ok {
				kws = append(kws, s)
			}
		}
	case string:
		kws = strings.Fields(k)
	}
	return quote.TruncateUTF8(desc, 1024), quote.TruncateUTF8(strings.Join(kws, " "), 1024)
}

func tokenKey(p authz.Principal) string {
	if p.Token == nil {
		return ""
	}
	return p.Token.Key
}

func jsonData(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of plain values reach here
	}
	return b
}
