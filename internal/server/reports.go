package server

import (
	"context"
	"log/slog"
	"net/http"
	"slices"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/report"
	"github.com/rampart/rampart/internal/reportapi"
)

// openReports builds reports and moderation: a target is visible to a
// reporter when the registry's package page would show it to them.
func openReports(svc *Services, reg *registry.Service, cfg config.Config, mailer mail.Mailer, opts Options) *report.Service {
	lookup := func(ctx context.Context, p authz.Principal, name, version string) error {
		pv, err := reg.View(ctx, p, name)
		if err != nil {
			return err
		}
		if version != "" && !slices.ContainsFunc(pv.Versions, func(v registry.VersionInfo) bool { return v.Version == version }) {
			return &report.VersionNotFound{Version: version}
		}
		return nil
	}
	return report.New(reg.Store(), report.Config{PublicURL: cfg.PublicURL, Mailer: mailer, Ecosystem: reg.Ecosystem(),
		Lookup: lookup, Limiter: svc.Limiter, Console: opts.Console}, opts.Now, opts.Log)
}

// closeReports mails what the report outbox still holds.
func (s *Services) closeReports(ctx context.Context) error {
	if s.Reports == nil {
		return nil
	}
	return s.Reports.Flush(ctx)
}

// mountReports mounts the reports API (internal/reportapi) on mux.
func mountReports(mux *http.ServeMux, svc *Services, wrap func(http.Handler) http.Handler, log *slog.Logger) {
	h := wrap(reportapi.New(svc.Reports, svc.Authn.Authenticate, log))
	mux.Handle(reportapi.PathReports, h)
	mux.Handle(reportapi.PathModeration, h)
	mux.Handle(reportapi.PathModeration+"/", h)
}
