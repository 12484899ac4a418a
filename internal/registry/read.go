package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/readcache"
	"github.com/rampart/rampart/internal/store"
)

// absent explains why a package has no document.
func (s *Service) absent(ctx context.Context, name string) error {
	err := s.store.View(ctx, func(tx store.Tx) error {
		_, err := loadPackage(tx, s.ref(name))
		return err
	})
	if err != nil && core.KindOf(err) == core.KindNotFound {
		return err
	}
	return core.Errorf(core.KindNotFound, "package %s was not found", name)
}

func (s *Service) authorizeRead(ctx context.Context, p authz.Principal, name string) error {
	return s.store.View(ctx, func(tx store.Tx) error {
		st, err := loadPackage(tx, s.ref(name))
		if err != nil {
			return err
		}
		return authz.Authorize(p, authz.ReadPackage, s.readResource(st))
	})
}

// Tarball is an open package file.
type Tarball struct {
	io.ReadSeekCloser
	Size      int64
	Integrity string
	Modified  time.Time
	pkgID     int64 // for CountDownload
}

// CountDownload counts a download of tb by a client at addr. The caller
// calls it only for a complete download: a GET whose whole file was
// written, not a HEAD, a ranged or a conditional request (see
// downloads.Counter for how downloads are de-duplicated).
func (s *Service) CountDownload(tb *Tarball, addr netip.Addr) {
	s.downloads.Add(tb.pkgID, addr)
}

// OpenTarball opens the file of a live version; filename is the last path
// segment npm asks for ("<bare name>-<version>.tgz").
func (s *Service) OpenTarball(ctx context.Context, p authz.Principal, name, filename string) (*Tarball, error) {
	bare := name[strings.LastIndex(name, "/")+1:]
	version, ok := strings.CutPrefix(filename, bare+"-")
	if ok {
		version, ok = strings.CutSuffix(version, ".tgz")
	}
	if !ok || version == "" {
		return nil, core.Errorf(core.KindNotFound, "%s is not a tarball of %s (expected %s-<version>.tgz)", filename, name, bare)
	}
	f, err := s.servableFile(ctx, p, name, version)
	if err != nil {
		return nil, err
	}
	v := &core.Version{PackageID: f.PkgID, Version: version, Digest: f.Digest, Integrity: f.Integrity, PublishedAt: f.Published}
	tb := &Tarball{Integrity: v.Integrity, Modified: v.PublishedAt, pkgID: v.PackageID}
	if b, ok := s.hot.Get(v.Digest, s.now()); ok {
		tb.ReadSeekCloser, tb.Size = bytesFile{bytes.NewReader(b)}, int64(len(b))
		return tb, nil
	}
	r, size, err := s.blobs.Open(ctx, blob.Digest(v.Digest))
	if err != nil {
		return nil, s.missingFile(ctx, name, v, err)
	}
	if size <= readcache.HotFileMax {
		b, err := s.readSmallFile(ctx, r, size, name, v)
		r.Close()
		if err != nil {
			return nil, err
		}
		tb.ReadSeekCloser, tb.Size = bytesFile{bytes.NewReader(b)}, size
		return tb, nil
	}
	if err := s.verifyFile(ctx, r, name, v); err != nil {
		r.Close()
		return nil, err
	}
	tb.ReadSeekCloser, tb.Size = r, size
	return tb, nil
}

// servableFile is the file of name@version if p may download it: from
// memory for a public version read from the store within readcache.TTL
// (see cached.go), else from the store, authorizing p for a
// restricted package.
func (s *Service) servableFile(ctx context.Context, p authz.Principal, name, version string) (readcache.File, error) {
	now := s.now()
	if f, ok := s.files.Get(name, version, now); ok {
		return f, nil
	}
	gen := s.files.Generation()
	var f readcache.File
	var restricted, private bool
	err := s.store.View(ctx, func(tx store.Tx) error {
		pkg, err := tx.PackageByRef(s.ref(name))
		if errors.Is(err, core.ErrNotFound) || (err == nil && pkg.Unpublished()) {
			return core.Errorf(core.KindNotFound, "%s@%s was not found or was unpublished", name, version)
		}
		if err != nil {
			return err
		}
		// Maintainers matter only for restricted packages: the public
		// path skips that query.
		if restricted = pkg.Access == "restricted" || s.orgScoped(name); restricted {
			st, err := loadPackage(tx, s.ref(name))
			if err != nil {
				return err
			}
			if err := authz.Authorize(p, authz.ReadPackage, s.readResource(st)); err != nil {
				return err
			}
		}
		v, err := tx.VersionFile(pkg.ID, version)
		if errors.Is(err, core.ErrNotFound) {
			return core.Errorf(core.KindNotFound, "%s@%s was not found or was unpublished", name, version)
		}
		if err != nil {
			return err
		}
		// One rule for what is served (core.Servable). What anyone may
		// download is cached; a version only its maintainers see (a
		// staged release) costs the maintainers query and is not.
		if !core.Servable(v, pkg, core.ViewerAnyone) {
			private = true
			ms, err := tx.Maintainers(pkg.ID)
			if err != nil {
				return err
			}
			if viewer := viewerOf(p, ms); !core.Servable(v, pkg, viewer) {
				if viewer == core.ViewerMaintainer && v.State() == core.StateQuarantined {
					// Its maintainers learn why (they were mailed too);
					// anyone else learns nothing of a held version.
					return core.Errorf(core.KindNotFound, "%s@%s is quarantined: held for review by the registry's moderators as possibly malicious, and served to no one, its maintainers included, until they release it", name, version)
				}
				return core.Errorf(core.KindNotFound, "%s@%s was not found or was unpublished", name, version)
			}
		}
		f = readcache.File{PkgID: v.PackageID, Digest: v.Digest, Integrity: v.Integrity, Published: v.PublishedAt, At: now}
		return nil
	})
	if err != nil {
		return readcache.File{}, err
	}
	if !restricted && !private {
		s.files.Put(name, version, f, gen)
	}
	return f, nil
}

// Search finds packages; text is split into terms that must all match.
func (s *Service) Search(ctx context.Context, text string, size, from int) ([]core.SearchHit, int, error) {
	terms := strings.Fields(strings.ToLower(text))
	if len(terms) > 10 {
		terms = terms[:10]
	}
	size = min(max(size, 1), 250)
	from = max(from, 0)
	var hits []core.SearchHit
	var total int
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		hits, total, err = tx.Search(terms, size, from)
		return err
	})
	return hits, total, err
}

// VersionInfo is one version as the web UI shows it.
type VersionInfo struct {
	Version     string
	PublishedAt time.Time
	Deprecated  string
	Publisher   string
	// TrustedIssuer names the trusted publisher's issuer ("github", ...)
	// that published the version in place of an account; "" for one an
	// account published.
	TrustedIssuer string
	// Staged marks a version waiting for approval, shown to its
	// maintainers only (core.Servable).
	Staged bool
	// Provenance is where the version was built, from its verified
	// build provenance; nil if it was published without.
	Provenance *core.Provenance
}

// PackageView is what a package page shows.
type PackageView struct {
	Package     core.Package
	Latest      map[string]any // the manifest of the latest version
	Readme      string
	Versions    []VersionInfo // newest first
	DistTags    map[string]string
	Maintainers []core.User
	Downloads   int64 // last 7 days
	// Daily are the counts per day over the last ChartWeeks weeks (the
	// ones not yet written out are in Downloads only).
	Daily []core.DayCount
	// Now is when the view was made, on the registry's clock.
	Now time.Time
	// Critical: managing it needs a security key or passkey.
	Critical bool
	// KeyRequiredFrom is set while a package that became critical by
	// downloads is in its grace period: from then on TOTP alone is no
	// longer enough for it.
	KeyRequiredFrom time.Time
}

// ChartWeeks is how far back the package page's download chart goes.
const ChartWeeks = 12

// View gathers a package page.
func (s *Service) View(ctx context.Context, p authz.Principal, name string) (*PackageView, error) {
	var pv PackageView
	err := s.store.View(ctx, func(tx store.Tx) error {
		st, err := loadPackage(tx, s.ref(name))
		if err != nil {
			return err
		}
		if err := authz.Authorize(p, authz.ReadPackage, s.readResource(st)); err != nil {
			return err
		}
		pv.Package, pv.Maintainers, pv.Critical = *st.pkg, st.maintainers, st.critical.Critical()
		pv.KeyRequiredFrom = s.critical.KeyRequiredFrom(st.critical)
		if pv.DistTags, err = tx.DistTags(st.pkg.ID); err != nil {
			return err
		}
		all, err := tx.Versions(st.pkg.ID)
		if err != nil {
			return err
		}
		names := map[int64]string{}
		prov, err := tx.PackageProvenance(st.pkg.ID)
		if err != nil {
			return err
		}
		trusted, err := tx.TrustedPublishes(st.pkg.ID)
		if err != nil {
			return err
		}
		for _, v := range all {
			if !core.Servable(&v, st.pkg, st.viewer(p)) {
				continue
			}
			if _, ok := names[v.PublisherID]; !ok {
				if u, err := tx.UserByID(v.PublisherID); err == nil {
					names[v.PublisherID] = u.Name
				}
			}
			vi := VersionInfo{Version: v.Version, PublishedAt: v.PublishedAt, Deprecated: v.Deprecated, Publisher: names[v.PublisherID],
				Staged: v.State() == core.StatePending, TrustedIssuer: trusted[v.Version].Issuer}
			if f, ok := prov[v.Version]; ok {
				vi.Provenance = &f
			}
			pv.Versions = append(pv.Versions, vi)
			if v.Version == pv.DistTags["latest"] {
				if err := json.Unmarshal(v.Manifest, &pv.Latest); err != nil {
					return err
				}
				pv.Readme, _ = pv.Latest["readme"].(string)
			}
		}
		sort.Slice(pv.Versions, func(i, j int) bool { return compareVersions(pv.Versions[i].Version, pv.Versions[j].Version) > 0 })
		weekly, err := tx.DownloadsSince(st.pkg.ID, s.now().Add(-7*24*time.Hour))
		pv.Downloads = weekly + s.downloads.Pending(st.pkg.ID)
		if err != nil {
			return err
		}
		pv.Now = s.now()
		pv.Daily, err = tx.DailyDownloads(st.pkg.ID, pv.Now.Add(-ChartWeeks*7*24*time.Hour))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &pv, nil
}

// UserPackages lists the live packages a user maintains.
func (s *Service) UserPackages(ctx context.Context, userID int64) ([]core.Package, error) {
	var out []core.Package
	err := s.store.View(ctx, func(tx store.Tx) error {
		all, err := tx.PackagesByMaintainer(userID)
		for _, p := range all {
			if !p.Unpublished() {
				out = append(out, p)
			}
		}
		return err
	})
	return out, err
}

// Events returns a package's recent events, newest first.
func (s *Service) Events(ctx context.Context, name string, limit int) ([]core.Event, error) {
	var out []core.Event
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.EventsFor(name, limit)
		return err
	})
	return out, err
}

// PackageURL is the web page of a package.
func (s *Service) PackageURL(name string) string {
	return s.cfg.PublicURL + "package/" + name
}
