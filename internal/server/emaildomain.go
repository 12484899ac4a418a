package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/emaildomain"
	"github.com/rampart/rampart/internal/identity"
)

// newDomainChecker builds the abandoned-email-domain checker from
// [email_domains]; nil when the check is off.
func newDomainChecker(cfg config.EmailDomains, log *slog.Logger, now func() time.Time) (*emaildomain.Checker, error) {
	if !cfg.Check {
		log.Info("email domain checks are off ([email_domains] check = false)")
		return nil, nil
	}
	opts := emaildomain.Options{
		RDAPBootstrapURL:   cfg.RDAPBootstrapURL,
		RDAPServerOverride: cfg.RDAPServer,
		Timeout:            cfg.Timeout.Duration,
		CanaryDomain:       cfg.CanaryDomain,
		Now:                now,
		Log:                log,
	}
	if cfg.DNSServer != "" {
		server := cfg.DNSServer
		opts.Resolver = &net.Resolver{
			PreferGo: true,
			Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, server)
			},
		}
	}
	c, err := emaildomain.New(opts)
	if err != nil {
		return nil, fmt.Errorf("[email_domains]: %w", err)
	}
	log.Info("email domains are checked for abandonment (DNS and RDAP); failed lookups never block anyone",
		"dns_server", orDefault(cfg.DNSServer, "system resolver"), "rdap", orDefault(cfg.RDAPServer, cfg.RDAPBootstrapURL))
	return c, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// domainRecheckTick is how often the recheck job wakes: a fraction of the
// interval, so that a registry with more verified addresses than one
// batch still checks each of them about once per interval.
func domainRecheckTick(interval time.Duration) time.Duration {
	return min(max(interval/24, time.Minute), time.Hour)
}

// runDomainRechecks rechecks due addresses, one bounded batch per tick,
// until ctx ends.
func runDomainRechecks(ctx context.Context, id *identity.Service, interval time.Duration, log *slog.Logger) {
	every(ctx, domainRecheckTick(interval), func() {
		checked, abandoned, err := id.RecheckEmailDomains(ctx, identity.DomainCheckBatch)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("email domain recheck failed", "err", err)
		case checked > 0:
			log.Info("email domains rechecked", "checked", checked, "abandoned", abandoned)
		}
	})
}
