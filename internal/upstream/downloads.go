package upstream

import (
	"context"
	"net/netip"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/downloads"
	"github.com/rampart/rampart/internal/store"
)

// Downloads of proxied versions, counted by the rules of local ones
// (internal/downloads: a complete GET only, once per version, client
// source and UTC day, batched in bounded memory), so that the operator
// sees which upstream packages this registry really serves.

// CountDownload counts one complete download of the proxied
// name@version by addr (the front-end decides what is complete).
func (s *Service) CountDownload(u *config.Upstream, name, version string, addr netip.Addr) {
	if s == nil || s.d.Downloads == nil {
		return
	}
	s.d.Downloads.Add(downloads.Proxied{Ref: core.NPM(name), Version: version, Upstream: u.Name}, addr)
}

// RunDownloads writes the counted downloads every interval until ctx
// ends, then once more (within flushBudget) so that a stop loses none.
func (s *Service) RunDownloads(ctx context.Context, interval time.Duration) {
	if s == nil || s.d.Downloads == nil {
		return
	}
	s.d.Downloads.Run(ctx, interval)
	last, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushBudget)
	defer cancel()
	if err := s.d.Downloads.Flush(last); err != nil {
		s.d.Log.Warn("upstream: proxied download counts lost at shutdown", "err", err)
	}
}

// FlushDownloads writes the counted downloads now (tests, the console).
func (s *Service) FlushDownloads(ctx context.Context) error {
	if s == nil || s.d.Downloads == nil {
		return nil
	}
	return s.d.Downloads.Flush(ctx)
}

// flushBudget bounds the last write of counts at shutdown.
const flushBudget = 5 * time.Second

// UsageWindow is how far back a proxied package's downloads are summed.
const UsageWindow = 30 * 24 * time.Hour

// maxVersionsListed bounds the versions shown per proxied package.
const maxVersionsListed = 20

// Proxied is a proxied package as the operator sees it: its pins,
// downloads over UsageWindow and holds, and the versions downloaded or
// held (the newest pins first, at most maxVersionsListed).
type Proxied struct {
	core.ProxiedPackage
	Versions []core.ProxiedVersion
}

// ProxiedPackages lists the proxied packages whose names start with
// prefix, a page by name, and how many match; staff only.
func (s *Service) ProxiedPackages(ctx context.Context, p authz.Principal, prefix string, limit, offset int) ([]Proxied, int, error) {
	m, err := s.moderation()
	if err != nil {
		return nil, 0, err
	}
	if err := m.Authorize(p, false); err != nil {
		return nil, 0, err
	}
	// Staff see exact numbers: what is batched is written first.
	if err := s.FlushDownloads(ctx); err != nil {
		s.d.Log.Warn("upstream: writing proxied download counts", "err", err)
	}
	since := s.d.Now().Add(-UsageWindow)
	var out []Proxied
	var n int
	err = s.d.Store.View(ctx, func(tx store.Tx) error {
		list, total, err := tx.ProxiedPackages(core.NPM("").Ecosystem, prefix, since, limit, offset)
		if err != nil {
			return err
		}
		n = total
		for _, pp := range list {
			vs, err := tx.ProxiedVersions(pp.Ref, since, maxVersionsListed)
			if err != nil {
				return err
			}
			out = append(out, Proxied{ProxiedPackage: pp, Versions: vs})
		}
		return nil
	})
	return out, n, err
}
