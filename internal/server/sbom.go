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
	mux.Handle(sbomapi.Prefix, addrs.Handler(sbomapi.New(d)))
}

// buildVersion is the main module's version, as the SBOM's tool.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "dev"
}
