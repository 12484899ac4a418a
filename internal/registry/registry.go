// Package registry is the package service: the unpublish policy,
// dist-tags, maintainers and deprecation, the read path and its caches,
// and the hooks the publish pipeline (internal/publish) calls. The
// packages' documents are kept by internal/documents. The npm front-end
// and the web UI call it; the documents clients read are built by the injected
// ecosystem.Format (npm's packuments), and it authorizes every action
// through authz.Authorize.
package registry

import (
	"context"
	"errors"
	"fmt"
	"github.com/rampart/rampart/internal/versionview"
	"log/slog"
	"time"

	"github.com/rampart/rampart/internal/attestations"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/criticalpolicy"
	"github.com/rampart/rampart/internal/documents"
	"github.com/rampart/rampart/internal/downloads"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/pkgfacts"
	"github.com/rampart/rampart/internal/pkgnotices"
	"github.com/rampart/rampart/internal/provenancepolicy"
	"github.com/rampart/rampart/internal/publish"
	"github.com/rampart/rampart/internal/readcache"
	"github.com/rampart/rampart/internal/store"
)

// Config is the part of the configuration the registry enforces.
type Config struct {
	// OrgPackagesPrivate keeps every package in an organisation's scope
	// to the organisation's members ([access] org_packages = "members";
	// orgread.go).
	OrgPackagesPrivate bool
	// Format is the wire format of the packages served (npm's, from
	// internal/ecosystem/npm): names, documents. Required.
	Format ecosystem.Format
	// PublicURL is the registry's base URL, ending in "/"; tarball links
	// in packuments are built from it.
	PublicURL string
	Limits    limits.Limits
	// UnpublishWindow is how long after publishing a version may always
	// be unpublished.
	UnpublishWindow time.Duration
	// MaxWeeklyDownloads: past the window, a package downloaded this many
	// times in the last 7 days cannot be unpublished.
	MaxWeeklyDownloads int64
	// AdoptStoredURL makes the service use the public URL the documents
	// were last built with instead of PublicURL. Console commands run
	// beside a live server set it, so they never rewrite its tarball links.
	AdoptStoredURL bool
	// CriticalTopPercent is the share of packages, by downloads over the
	// last 30 days, that is critical ([mfa] critical_top_percent).
	CriticalTopPercent float64
	// CriticalMinDownloads is the floor under the percentile: fewer
	// downloads over 30 days never make a package critical
	// ([mfa] critical_min_downloads; 0 counts as 1).
	CriticalMinDownloads int64
	// CriticalGrace is how long after becoming critical by downloads a
	// package's maintainers may still use TOTP for it ([mfa]
	// critical_grace_period); the mail they get names the deadline.
	CriticalGrace time.Duration
	// Mailer sends the package notices: every maintainer hears of a
	// publish, every owner of an owner added or removed. Required.
	Mailer mail.Mailer
	// Sign signs a version as it is published (publish.Hooks.Sign); nil
	// signs nothing.
	Sign func(tx store.Tx, ref core.PackageRef, v *core.Version) error
	// Leaks decides what credentials found inside an upload mean
	// (internal/secretscan); nil lets them through.
	Leaks publish.LeakCheck
	// Provenance is how publishes with build provenance are verified and
	// provenance continuity decided (publish.Provenance).
	Provenance publish.Provenance
	// Names is the policy on new package names (internal/namepolicy);
	// nil checks none.
	Names publish.NameCheck
	// Malware is the malware scan of the publish's scan stage
	// (internal/quarantine); nil scans nothing.
	Malware publish.MalwareCheck
}

// Service is the package service.
type Service struct {
	store     store.Store
	blobs     blob.Store
	cfg       Config
	now       func() time.Time
	log       *slog.Logger
	downloads *downloads.Counter
	// docs and files are the read path's copies of documents and of
	// versions' servable state (internal/readcache, cached.go).
	docs  *readcache.Docs
	files readcache.Files
	// documents marks the packages' documents changed in write
	// transactions and builds them lazily for readers.
	documents *documents.Builder
	// verified remembers files that hashed right a moment ago; hot keeps
	// the small ones' bytes.
	verified *readcache.Verified
	hot      *readcache.Hot
	// notices mails the notices of the outbox's package events.
	notices *notifier.Notifier
	// provenance keeps the packages' provenance policies.
	provenance *provenancepolicy.Service
	// attestations lists what npm's attestations endpoint serves.
	attestations *attestations.Service
	// versions reads for the version pages.
	versions *versionview.Service
	// critical keeps the set of critical packages.
	critical *criticalpolicy.Service
	// publisher admits uploads and runs the publish pipeline
	// (internal/publish), with hooks into this service (uploads.go).
	publisher *publish.Publisher
}

// New builds the service and brings every precomputed document up to
// date with the configured public URL.
func New(ctx context.Context, st store.Store, blobs blob.Store, cfg Config, now func() time.Time, log *slog.Logger) (*Service, error) {
	if cfg.Mailer == nil {
		return nil, errors.New("registry: a mailer is required")
	}
	if cfg.Format == nil {
		return nil, errors.New("registry: a package format is required")
	}
	s := &Service{store: st, blobs: blobs, cfg: cfg, now: now, log: log,
		docs: readcache.NewDocs(), hot: readcache.NewHot(verifiedFor),
		verified: readcache.NewVerified(verifiedFor)}
	s.store = watchedStore{Store: st, s: s} // writes invalidate the read caches
	key, err := downloads.LoadKey(ctx, st)
	if err != nil {
		return nil, err
	}
	s.downloads = downloads.New(st, key, now, log)
	if cfg.AdoptStoredURL {
		err := st.View(ctx, func(tx store.Tx) error {
			u, err := tx.GetMeta(metaPublicURL)
			if err == nil {
				s.cfg.PublicURL = u
			}
			if errors.Is(err, core.ErrNotFound) {
				return nil
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	// After adopting the stored URL: the documents' and the notices'
	// links are built with it.
	s.notices = notifier.New(st, cfg.Mailer, pkgnotices.Cursor, pkgnotices.Renderer{PublicURL: s.cfg.PublicURL}.Render, log).Types(pkgnotices.Types...)
	s.provenance = provenancepolicy.New(s.store, cfg.Format, now, s.notices.Wake)
	s.attestations = attestations.New(s.store, blobs, cfg.Format)
	s.versions = versionview.New(s.store, cfg.Format)
	s.provenance.OrgPrivate, s.attestations.OrgPrivate, s.versions.OrgPrivate = cfg.OrgPackagesPrivate, cfg.OrgPackagesPrivate, cfg.OrgPackagesPrivate
	s.critical = criticalpolicy.New(s.store, cfg.Format, criticalpolicy.Config{TopPercent: cfg.CriticalTopPercent,
		MinDownloads: cfg.CriticalMinDownloads, Grace: cfg.CriticalGrace}, now, log, s.downloads.Flush, s.notices.Wake)
	s.documents = documents.New(s.store, cfg.Format, s.cfg.PublicURL, log)
	s.publisher = s.newPublisher()
	if err := s.rebuildIfURLChanged(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Close flushes buffered download counts and waits, until ctx ends, for
// the package notices still being mailed.
func (s *Service) Close(ctx context.Context) error {
	err := s.downloads.Flush(ctx)
	if !s.cfg.AdoptStoredURL {
		// What the outbox still holds goes out now, not at the next start.
		// A console command beside a live server leaves it to the server.
		// A failure is logged, not returned: the notices stay in the
		// outbox, and the next start mails them.
		if derr := s.notices.Deliver(ctx); derr != nil {
			s.log.WarnContext(ctx, "package notices left in the outbox for the next start", "err", derr)
		}
	}
	return err
}

// RunBackground flushes download counts every interval until ctx ends.
func (s *Service) RunBackground(ctx context.Context, interval time.Duration) {
	s.downloads.Run(ctx, interval)
}

const metaPublicURL = "documents.public_url"

// rebuildIfURLChanged regenerates all documents when the public URL they
// were built with differs from the configured one.
func (s *Service) rebuildIfURLChanged(ctx context.Context) error {
	var names []string
	var stale bool
	err := s.store.View(ctx, func(tx store.Tx) error {
		u, err := tx.GetMeta(metaPublicURL)
		if errors.Is(err, core.ErrNotFound) {
			stale = true
		} else if err != nil {
			return err
		}
		if stale || u != s.cfg.PublicURL {
			stale = true
			names, err = tx.AllPackageNames()
		}
		return err
	})
	if err != nil || !stale {
		return err
	}
	for _, name := range names {
		if err := s.store.Update(ctx, func(tx store.Tx) error {
			p, err := tx.PackageByRef(s.ref(name))
			if err != nil {
				return err
			}
			if p.Unpublished() {
				return s.documents.Refresh(tx, p)
			}
			// Every tarball link changed: render every fragment now,
			// so that the sums the limits are checked from stay exact.
			return s.documents.MarkAllChanged(tx, p)
		}); err != nil {
			return fmt.Errorf("rebuilding document of %s: %w", name, err)
		}
	}
	if len(names) > 0 {
		s.log.Info("rebuilt package documents for a new public URL", "packages", len(names), "public_url", s.cfg.PublicURL)
	}
	return s.store.Update(ctx, func(tx store.Tx) error { return tx.SetMeta(metaPublicURL, s.cfg.PublicURL) })
}

// packageState loads what authorization and documents need
// (pkgfacts.State, with the fields this package reads by name).
type packageState struct {
	pkg         *core.Package
	maintainers []core.User
	critical    core.CriticalPackage
	// org is what authorization knows of the org owning the package's
	// scope, nil if none (internal/orgfacts).
	org   *authz.OrgFacts
	facts *pkgfacts.State
}

// viewer is who p is to the package's versions (core.Servable).
func (st *packageState) viewer(p authz.Principal) core.Viewer {
	return st.facts.Viewer(p)
}

// viewerOf is who p is to a package with maintainers ms.
func viewerOf(p authz.Principal, ms []core.User) core.Viewer {
	return pkgfacts.ViewerOf(p, ms)
}

func (st *packageState) resource() authz.Resource {
	return st.facts.Resource()
}

// loadPackage returns the package and maintainers, or a not-found error
// that a user can act on. Unpublished packages count as absent.
func loadPackage(tx packagesCritical, ref core.PackageRef) (*packageState, error) {
	f, err := pkgfacts.Load(tx, ref)
	if err != nil {
		return nil, err
	}
	return &packageState{pkg: f.Package, maintainers: f.Maintainers, critical: f.Critical, org: f.Org, facts: f}, nil
}

// touch bumps the package's revision and modification time. The write is
// a compare-and-swap on the revision read in this transaction, so that no
// backend can let two changes from the same revision both commit: each
// "_rev" a client sees names exactly one state of the package.
func (s *Service) touch(tx store.Packages, p *core.Package) error {
	prev := p.Rev
	p.Rev++
	p.ModifiedAt = s.now()
	if err := tx.UpdatePackageAt(p, prev); err != nil {
		if errors.Is(err, core.ErrConflict) {
			return staleRevision(p.Name)
		}
		return err
	}
	return nil
}

// ref names a package of the ecosystem this service serves.
func (s *Service) ref(name string) core.PackageRef {
	return ecosystem.Ref(s.cfg.Format, name)
}
