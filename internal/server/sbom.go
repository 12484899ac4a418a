package server

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/sbomapi"
	"github.com/rampart/rampart/internal/store"
)

// mountSBOM serves each version's own SBOM at /-/sbom/ (internal/sbomapi):
// the registry's read path supplies the documents and decides who may
// read them; signing and the log say which references exist.
func mountSBOM(mux *http.ServeMux, svc *Services, cfg config.Config, addrs *clientaddr.Resolver, log *slog.Logger) {
	d := sbomapi.Deps{
		Registry: svc.Registry, Auth: svc.Authn.Authenticate,
		BaseURL: strings.TrimSuffix(cfg.PublicURL, "/") + "/", ToolVersion: buildVersion(), Log: log,
	}
	if svc.Signing != nil {
		d.Attested = func(ctx context.Context, p authz.Principal, name, version string) (bool, error) {
			id, err := svc.Registry.ServableVersion(ctx, p, name, version)
			if err == nil {
				_, err = svc.Signing.PublishAttestation(ctx, id, version)
			}
			if core.KindOf(err) == core.KindNotFound {
				return false, nil
			}
			return err == nil, err
		}
	}
	if svc.TLog != nil {
		d.Logged = func(ctx context.Context, name, version string) (bool, error) {
			found, _, err := svc.TLog.Lookup(ctx, name, version, false)
			return len(found) > 0, err
		}
	}
	d.PublishedBy = func(ctx context.Context, p authz.Principal, name, version string) (*store.PublishedBy, error) {
		vv, err := svc.Registry.Versions().VersionPage(ctx, p, name, version)
		if core.KindOf(err) == core.KindNotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return vv.PublishedBy, nil
	}
	if svc.Upstream != nil && len(cfg.Upstreams) > 0 {
		d.Proxied = sbomProxied{svc: svc}
	}
	mux.Handle(sbomapi.Prefix, addrs.Handler(sbomapi.New(d)))
}

// sbomProxied reads the upstream proxy for the SBOM as the npm front-end
// would serve a name, but from its cache only: a name held here in any
// form never resolves upstream (registry.HeldLocally), and nothing is
// fetched.
type sbomProxied struct{ svc *Services }

func (p sbomProxied) Proxied(ctx context.Context, name string) (string, []byte, error) {
	held, err := p.svc.Registry.HeldLocally(ctx, name)
	if err != nil || held {
		return "", nil, err
	}
	u := p.svc.Upstream.For(name)
	if u == nil {
		return "", nil, nil
	}
	return u.Name, p.svc.Upstream.Cached(u, name), nil
}

func (p sbomProxied) Pin(ctx context.Context, upstream, name, version string) (string, error) {
	var pin string
	err := p.svc.Store.View(ctx, func(tx store.Tx) error {
		pins, err := tx.UpstreamPins(core.NPM(name))
		for _, x := range pins {
			if x.Version == version && x.Upstream == upstream {
				pin = x.Integrity
			}
		}
		return err
	})
	return pin, err
}

// buildVersion is the main module's version, as the SBOM's tool.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "dev"
}
