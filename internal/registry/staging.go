package registry

import (
	"context"
	"errors"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/pkgnotices"
	"github.com/rampart/rampart/internal/publish"
	"github.com/rampart/rampart/internal/store"
)

// Staged publishing (internal/stage) is a service of its own; this file
// is the package service's side of it: the publisher's staging, the
// parts of this service it writes through (so that its writes reach the
// read caches), and the document a maintainer reads while a version is
// staged.

// UseStaging makes publishes that land staged go through st
// (publish.Publisher.UseStaging).
func (s *Service) UseStaging(st publish.Staging) { s.publisher.UseStaging(st) }

// BeginStage admits a `npm stage publish` body before it is read
// (publish.Publisher.BeginStage). Close the Upload when done.
func (s *Service) BeginStage(ctx context.Context, p authz.Principal, name string, declared int64) (*publish.Upload, error) {
	return s.publisher.BeginStage(ctx, p, name, declared)
}

// Stage runs a `npm stage publish` body held in memory (tests, tools).
func (s *Service) Stage(ctx context.Context, p authz.Principal, urlName string, body []byte) (*publish.Published, error) {
	return s.publisher.Stage(ctx, p, urlName, body)
}

// Store is the service's store: writes through it invalidate the read
// caches of the packages they change.
func (s *Service) Store() store.Store { return s.store }

// Ecosystem is the ecosystem of the packages served.
func (s *Service) Ecosystem() core.Ecosystem { return s.cfg.Format.Ecosystem() }

// Blobs is the store of the packages' files.
func (s *Service) Blobs() blob.Store { return s.blobs }

// Touch bumps the package's revision (a compare-and-swap) and
// modification time, inside tx.
func (s *Service) Touch(tx store.Packages, p *core.Package) error { return s.touch(tx, p) }

// RefreshDocument marks p's document changed inside tx, rendering the
// versions changed (an approved or discarded stage), within the limits
// on its growth.
func (s *Service) RefreshDocument(tx store.Tx, p *core.Package, changed ...*core.Version) error {
	return s.refreshPublished(tx, p, changed...)
}

// Signed says how p signed in (the token's mask and name, never its
// value) and from which address, for a notice.
func (s *Service) Signed(p authz.Principal) (via, ip string) { return pkgnotices.Signed(p) }

// maintainerDocument is the document of name as p sees it when p
// maintains it and one of its versions is staged: the shared document
// plus the pending versions (core.Servable with ViewerMaintainer), so
// that `npm install name@<staged version>` works with the maintainer's
// token. It is built for this one reader and never cached, and marked
// restricted so that no shared cache keeps it. ok is false when the
// shared document is what p reads: anonymous, not a maintainer, or
// nothing staged (one indexed count).
func (s *Service) maintainerDocument(ctx context.Context, p authz.Principal, name string) (doc *core.Document, ok bool, err error) {
	if p.User == nil {
		return nil, false, nil
	}
	err = s.store.View(ctx, func(tx store.Tx) error {
		doc = nil
		pkg, err := tx.PackageByRef(s.ref(name))
		if errors.Is(err, core.ErrNotFound) {
			return nil
		}
		if err != nil || pkg.Unpublished() {
			return err
		}
		if _, n, err := tx.OpenStages(p.User.ID, pkg.ID, 0, 0); err != nil || n == 0 {
			return err
		}
		st, err := loadPackage(tx, s.ref(name))
		if err != nil {
			return err
		}
		// What the maintainer's credential may not review (a token for
		// other packages) reads the shared document.
		if authz.Authorize(p, authz.ReviewStages, st.resource()) != nil {
			return nil
		}
		versions, err := tx.Versions(pkg.ID)
		if err != nil {
			return err
		}
		users := map[int64]*core.User{}
		for i := range versions {
			v := &versions[i]
			if !core.Servable(v, pkg, core.ViewerMaintainer) {
				continue
			}
			// The format serves what anyone may see; this reader may see
			// the pending versions too.
			if v.State() == core.StatePending {
				v.Held = ""
			}
			if _, ok := users[v.PublisherID]; !ok {
				if users[v.PublisherID], err = tx.UserByID(v.PublisherID); err != nil {
					return err
				}
			}
		}
		tags, err := tx.DistTags(pkg.ID)
		if err != nil {
			return err
		}
		doc, err = s.cfg.Format.Documents(ecosystem.PackageState{
			Package: pkg, Versions: versions, Tags: tags, Maintainers: st.maintainers, Publishers: users,
			ArtifactURL: func(version string) string { return s.documents.TarballURL(pkg.Name, version) },
		})
		return err
	})
	if err != nil || doc == nil {
		return nil, false, err
	}
	doc.Restricted = true
	return doc, true, nil
}
