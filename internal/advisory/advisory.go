// Package advisory is the registry's advisory database: OSV records of
// known vulnerabilities and malicious packages, fed by imports (a folder
// or zip of OSV records, the layout of OSV's per-ecosystem exports, from
// the console or a scheduled pull) and by Rampart's own malicious-package
// advisories (MAL-YYYY-NNNN, PublishMalicious), and read by the OSV API,
// npm's audit and the web UI. Every change records an event in its
// transaction. It imports no transport: the pull's download is injected
// (Fetch).
package advisory

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/osv"
	"github.com/rampart/rampart/internal/store"
)

// Config is what the service needs of the deployment.
type Config struct {
	// PublicURL is the registry's URL: an advisory's page is
	// PublicURL/advisories/<id>, and MAL- records name it as their source.
	PublicURL string
}

// Service is the advisory database.
type Service struct {
	st  store.Store
	cfg Config
	now func() time.Time
	log *slog.Logger
}

// New builds the service.
func New(st store.Store, cfg Config, now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	return &Service{st: st, cfg: cfg, now: now, log: log}
}

// URL is the web page of advisory id.
func (s *Service) URL(id string) string { return s.cfg.PublicURL + "/advisories/" + id }

// Record is a stored advisory, parsed.
type Record struct {
	*osv.Vuln
	Raw    []byte // the OSV JSON as stored and served
	Source string
}

func parseStored(a core.Advisory) (Record, error) {
	v, err := osv.ParseBytes(a.Record)
	if err != nil {
		return Record{}, fmt.Errorf("stored advisory %s: %w", a.ID, err)
	}
	return Record{Vuln: v, Raw: a.Record, Source: a.Source}, nil
}

// Get is advisory id, withdrawn or not (OSV serves withdrawn records by
// id, marked); an error of kind NotFound if there is none.
func (s *Service) Get(ctx context.Context, id string) (Record, error) {
	var a *core.Advisory
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		a, err = tx.Advisory(id)
		return err
	})
	if err != nil {
		if core.KindOf(err) == core.KindNotFound {
			return Record{}, core.Errorf(core.KindNotFound, "no advisory %s on this registry", id)
		}
		return Record{}, err
	}
	return parseStored(*a)
}

// ForPackage lists the advisories in force that name ref, by ID.
func (s *Service) ForPackage(ctx context.Context, ref core.PackageRef) ([]Record, error) {
	var list []core.Advisory
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		list, err = tx.AdvisoriesFor(ref)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []Record
	for _, a := range list {
		r, err := parseStored(a)
		if err != nil {
			return nil, err
		}
		if !r.IsWithdrawn(now) {
			out = append(out, r)
		}
	}
	return out, nil
}

// ForPackages is ForPackage of many packages in one read (npm's audit
// names every package of a tree at once), keyed by the position in refs.
func (s *Service) ForPackages(ctx context.Context, refs []core.PackageRef) ([][]Record, error) {
	lists := make([][]core.Advisory, len(refs))
	err := s.st.View(ctx, func(tx store.Tx) error {
		for i, ref := range refs {
			var err error
			if lists[i], err = tx.AdvisoriesFor(ref); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([][]Record, len(refs))
	for i, list := range lists {
		for _, a := range list {
			r, err := parseStored(a)
			if err != nil {
				return nil, err
			}
			if !r.IsWithdrawn(now) {
				out[i] = append(out[i], r)
			}
		}
	}
	return out, nil
}

// Query lists the advisories in force that affect ref at version, or
// every one naming ref when version is "".
func (s *Service) Query(ctx context.Context, ref core.PackageRef, version string) ([]Record, error) {
	all, err := s.ForPackage(ctx, ref)
	if err != nil || version == "" {
		return all, err
	}
	var out []Record
	for _, r := range all {
		if Affects(r.Vuln, ref, version) {
			out = append(out, r)
		}
	}
	return out, nil
}

// List is a page of the advisories in force, newest modified first.
func (s *Service) List(ctx context.Context, offset, limit int) ([]core.Advisory, error) {
	var out []core.Advisory
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.ListAdvisories(offset, limit, false)
		return err
	})
	return out, err
}

// AffectedVersions are the versions among versions (a package's, in
// this registry) that r affects.
func AffectedVersions(r *osv.Vuln, ref core.PackageRef, versions []string) []string {
	var out []string
	for _, v := range versions {
		if Affects(r, ref, v) {
			out = append(out, v)
		}
	}
	return out
}

// FirstFixed is the lowest version that fixes r for ref above version,
// or "" if none is known.
func FirstFixed(r *osv.Vuln, ref core.PackageRef, version string) string {
	best := ""
	for i := range r.Affected {
		a := &r.Affected[i]
		if a.Package.Name != ref.Name || Ecosystem(a.Package.Ecosystem) != ref.Ecosystem || (version != "" && !a.Affects(version)) {
			continue
		}
		if f := a.FirstFixed(version); f != "" && (best == "" || lessVersion(f, best)) {
			best = f
		}
	}
	return best
}
