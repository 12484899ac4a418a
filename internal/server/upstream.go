package server

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/downloads"
	"github.com/rampart/rampart/internal/namepolicy"
	"github.com/rampart/rampart/internal/quarantine"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/upstream"
	"github.com/rampart/rampart/internal/web"
	"github.com/rampart/rampart/internal/web/proxiedpages"
	"github.com/rampart/rampart/internal/web/quarantinepages"
)

// screenUpstream gives the upstream proxy the screening of local
// versions (issue 13): the malware scan and blocklist of a publish
// (unless [scan] is off), this registry's MAL- advisories, and the
// moderators' decisions on what the scan held.
func screenUpstream(d *upstream.Deps, cfg config.Config, sc *quarantine.Scanner, reg *registry.Service, st store.Store) {
	if !cfg.Scan.Disabled && sc != nil {
		d.Scan = func(ctx context.Context, r io.Reader) ([]core.ScanFinding, error) { return sc.ScanProxied(ctx, st, r) }
		d.Summary = quarantine.Summary
	}
	d.Moderation = &upstream.Moderation{Authorize: quarantine.AuthorizeModeration, Reason: quarantine.Reason, Signed: reg.Signed}
	if sc != nil {
		d.Evidence = proxiedEvidence(sc)
	}
}

// proxiedEvidence reads a held proxied version's kept bytes with the
// reader and bounds of a local version's evidence.
func proxiedEvidence(sc *quarantine.Scanner) upstream.ReadEvidence {
	return func(r io.Reader, found []core.ScanFinding) ([]upstream.EvidenceFile, []upstream.FindingContext, error) {
		files, ctxs, err := sc.ProxiedEvidence(r, found)
		if err != nil {
			return nil, nil, err
		}
		outF := make([]upstream.EvidenceFile, len(files))
		for i, f := range files {
			outF[i] = upstream.EvidenceFile(f)
		}
		outC := make([]upstream.FindingContext, len(ctxs))
		for i, c := range ctxs {
			outC[i] = upstream.FindingContext(c)
		}
		return outF, outC, nil
	}
}

// upstreamDownloads counts proxied downloads as local ones are counted,
// with the same key for client sources.
func upstreamDownloads(ctx context.Context, d *upstream.Deps, st store.Store, now func() time.Time, log *slog.Logger) error {
	if len(d.Upstreams) == 0 {
		return nil
	}
	key, err := downloads.LoadKey(ctx, st)
	if err != nil {
		return err
	}
	d.Downloads = downloads.NewProxied(st, key, now, log)
	return nil
}

// upstreamNames flags proxied names that resemble popular ones, with
// the check of new local names.
func upstreamNames(d *upstream.Deps, names *namepolicy.Service) {
	if names == nil {
		return
	}
	d.Resembles = func(ctx context.Context, ref core.PackageRef) (string, string, bool, error) {
		m, ok, err := names.Resembles(ctx, ref)
		return m.Popular, m.Why, ok, err
	}
}

// upstreamAdvisories has the proxy block versions named by MAL-
// advisories and publish one on a moderator's confirmation.
func upstreamAdvisories(d *upstream.Deps, adv *advisory.Service) {
	if adv == nil {
		return
	}
	d.Malicious = func(ctx context.Context, ref core.PackageRef) (func(string) string, error) {
		recs, err := adv.ForPackage(ctx, ref)
		if err != nil {
			return nil, err
		}
		var mal []advisory.Record
		for _, r := range recs {
			if strings.HasPrefix(r.ID, "MAL-") {
				mal = append(mal, r)
			}
		}
		return func(version string) string {
			for _, r := range mal {
				if advisory.Affects(r.Vuln, ref, version) {
					return r.ID
				}
			}
			return ""
		}, nil
	}
	if d.Moderation != nil {
		d.Moderation.Advisories = adv
	}
}

// moderationPages are the web UI's moderation pages, with the proxied
// versions' when an upstream is proxied (a nil *upstream.Service must
// not become a non-nil interface).
func moderationPages(svc *Services) *quarantinepages.Pages {
	g := quarantinepages.New(svc.Quarantine)
	if svc.Upstream != nil {
		g.WithUpstream(svc.Upstream)
	}
	return g
}

// proxiedPages mounts the operator's list of proxied packages when an
// upstream is proxied.
func proxiedPages(webH *web.Handler, svc *Services) {
	if svc.Upstream != nil {
		webH.Mount(proxiedpages.New(svc.Upstream))
	}
}
