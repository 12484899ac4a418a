package server

import (
	"log/slog"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/org"
	"github.com/rampart/rampart/internal/sso"
	"github.com/rampart/rampart/internal/store"
)

// openSSO builds sign-in with the configured identity providers ([[sso]]);
// nil when none is configured.
func openSSO(st store.Store, cfg config.Config, svc *Services, now func() time.Time, log *slog.Logger) *sso.Service {
	if len(cfg.SSO) == 0 {
		return nil
	}
	var ps []sso.Provider
	for _, p := range cfg.SSO {
		var rules []org.GroupRule
		for _, g := range p.Groups {
			rules = append(rules, org.GroupRule{Group: g.Group, Org: g.Org, Team: g.Team, Role: core.OrgRole(g.Role)})
		}
		ps = append(ps, sso.Provider{Name: p.Name, DisplayName: p.DisplayName, Issuer: p.Issuer, ClientID: p.ClientID,
			ClientSecret: string(p.ClientSecret), Scopes: p.Scopes, GroupsClaim: p.GroupsClaim, Groups: rules, CreateAccounts: p.Creates()})
	}
	return sso.New(sso.Deps{Store: st, Identity: svc.Identity, Orgs: svc.Orgs, PublicURL: cfg.PublicURL, Now: now, Log: log}, ps)
}

// ssoHint tells a user refused a password sign-in where to sign in.
func ssoHint(cfg config.Config) string {
	if len(cfg.SSO) == 0 {
		return "ask the registry's administrators how to sign in"
	}
	return "sign in with " + cfg.SSO[0].DisplayName + " at " + cfg.PublicURL + "login (npm login opens it for you)"
}
