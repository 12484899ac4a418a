// Package versionview reads what a version's page shows (internal/web/versionpages):
// the version with its tags, publisher and provenance, the versions and
// manifests a dependency tree resolves against, a package's dependents
// as each reader may see them (dependents.go),
// and the tarball's file list kept per digest. Every read that names a
// package decides as the package's document does (authz.ReadPackage,
// then core.Servable), so a page never shows what the packument hides.
// The registry hands it out (registry.Service.Versions) on its watched
// store.
package versionview

import (
	"context"
	"encoding/json"
	"errors"
	"sort"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/pkgfacts"
	"github.com/rampart/rampart/internal/store"
)

// Service reads for the version pages.
type Service struct {
	store  store.Store
	format ecosystem.Format
	// OrgPrivate is the registry's org_packages = members setting: an
	// organisation's scoped packages read as restricted.
	OrgPrivate bool
}

// New returns the reads over st for packages of format f.
func New(st store.Store, f ecosystem.Format) *Service {
	return &Service{store: st, format: f}
}

func (s *Service) ref(name string) core.PackageRef { return ecosystem.Ref(s.format, name) }

// load reads the package's facts and decides that p may read it.
func (s *Service) load(tx store.Tx, p authz.Principal, name string) (*pkgfacts.State, error) {
	st, err := pkgfacts.Load(tx, s.ref(name))
	if err != nil {
		return nil, err
	}
	r := st.Resource()
	r.OrgPrivate = s.OrgPrivate
	if err := authz.Authorize(p, authz.ReadPackage, r); err != nil {
		return nil, err
	}
	return st, nil
}

// VersionView is what a version's page shows of the version itself.
type VersionView struct {
	Package core.Package
	// Version is the row, manifest included: integrity, shasum, digest,
	// size, file count and unpacked size were recorded at publish.
	Version   core.Version
	Publisher string   // the publishing account's name; "" if unknown
	Tags      []string // the dist-tags that point at it, "latest" first
	Latest    string   // the version "latest" points at
	Staged    bool     // pending approval, shown to its maintainers only
	// Provenance is where it was built, from its verified build
	// provenance; nil if it was published without.
	Provenance *core.Provenance
	// PublishedBy is how it was published (a token, a browser, a trusted
	// publisher's CI run); nil for a version published before Rampart
	// recorded it.
	PublishedBy *store.PublishedBy
}

// VersionPage gathers what p may see of name@version for its page. The
// package is read as its document is (authz.ReadPackage: a restricted
// package is not found for a reader without access, in the words of a
// missing one), and the version must be servable to p (core.Servable):
// anything else is not found.
func (s *Service) VersionPage(ctx context.Context, p authz.Principal, name, version string) (*VersionView, error) {
	var vv VersionView
	err := s.store.View(ctx, func(tx store.Tx) error {
		st, err := s.load(tx, p, name)
		if err != nil {
			return err
		}
		v, err := tx.Version(st.Package.ID, version)
		if errors.Is(err, core.ErrNotFound) || (err == nil && !core.Servable(v, st.Package, st.Viewer(p))) {
			return core.Errorf(core.KindNotFound, "%s@%s was not found or was unpublished", name, version)
		}
		if err != nil {
			return err
		}
		vv.Package, vv.Version, vv.Staged = *st.Package, *v, v.State() == core.StatePending
		if u, err := tx.UserByID(v.PublisherID); err == nil {
			vv.Publisher = u.Name
		}
		if pb, err := tx.PublishedByOf(st.Package.ID, version); err == nil {
			vv.PublishedBy = pb
		} else if !errors.Is(err, core.ErrNotFound) {
			return err
		}
		tags, err := tx.DistTags(st.Package.ID)
		if err != nil {
			return err
		}
		vv.Latest = tags["latest"]
		for tag, tv := range tags {
			if tv == version {
				vv.Tags = append(vv.Tags, tag)
			}
		}
		sort.Slice(vv.Tags, func(i, j int) bool {
			if (vv.Tags[i] == "latest") != (vv.Tags[j] == "latest") {
				return vv.Tags[i] == "latest"
			}
			return vv.Tags[i] < vv.Tags[j]
		})
		prov, err := tx.PackageProvenance(st.Package.ID)
		if err != nil {
			return err
		}
		if f, ok := prov[version]; ok {
			vv.Provenance = &f
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &vv, nil
}

// ServableManifest is the manifest of name@version if p may see it, as
// VersionPage decides, without the rest of the page: what walking a
// dependency tree reads of each version.
func (s *Service) ServableManifest(ctx context.Context, p authz.Principal, name, version string) (json.RawMessage, error) {
	var out json.RawMessage
	err := s.store.View(ctx, func(tx store.Tx) error {
		st, err := s.load(tx, p, name)
		if err != nil {
			return err
		}
		v, err := tx.Version(st.Package.ID, version)
		if errors.Is(err, core.ErrNotFound) || (err == nil && !core.Servable(v, st.Package, st.Viewer(p))) {
			return core.Errorf(core.KindNotFound, "%s@%s was not found or was unpublished", name, version)
		}
		if err != nil {
			return err
		}
		out = v.Manifest
		return nil
	})
	return out, err
}

// ServableVersions lists the versions of name that p may install
// (core.Servable, after authz.ReadPackage), oldest first: what a
// dependency range resolves against.
func (s *Service) ServableVersions(ctx context.Context, p authz.Principal, name string) ([]string, error) {
	var out []string
	err := s.store.View(ctx, func(tx store.Tx) error {
		st, err := s.load(tx, p, name)
		if err != nil {
			return err
		}
		all, err := tx.Versions(st.Package.ID)
		if err != nil {
			return err
		}
		for i := range all {
			if core.Servable(&all[i], st.Package, st.Viewer(p)) {
				out = append(out, all[i].Version)
			}
		}
		return nil
	})
	return out, err
}

// TarballFiles is the file list kept for the tarball with this digest;
// an error of kind not found if none was kept yet. The caller has read
// the version through VersionPage, which decided p may see it.
func (s *Service) TarballFiles(ctx context.Context, digest string) ([]store.TarballFile, error) {
	var out []store.TarballFile
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.TarballFiles(digest)
		return err
	})
	return out, err
}

// KeepTarballFiles keeps the file list read from the tarball with this
// digest, so that no later view reads the tarball again. The list is
// derived from immutable bytes: no event.
func (s *Service) KeepTarballFiles(ctx context.Context, digest string, files []store.TarballFile) error {
	return s.store.Update(ctx, func(tx store.Tx) error { return tx.PutTarballFiles(digest, files) })
}
