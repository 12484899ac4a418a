// Package server is the composition root: it opens the stores, builds the
// services and front-ends, mounts them, and runs the HTTP server until its
// context ends, then shuts down cleanly.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/rampart/rampart/docs"
	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/background"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/blob/fsblob"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	npmfmt "github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/httpguard"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/logapi"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/namepolicy"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/npm"
	"github.com/rampart/rampart/internal/ops"
	"github.com/rampart/rampart/internal/org"
	"github.com/rampart/rampart/internal/osvapi"
	"github.com/rampart/rampart/internal/password"
	"github.com/rampart/rampart/internal/provenance"
	"github.com/rampart/rampart/internal/publish"
	"github.com/rampart/rampart/internal/pwcheck"
	"github.com/rampart/rampart/internal/quarantine"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/report"
	"github.com/rampart/rampart/internal/scanapi"
	"github.com/rampart/rampart/internal/secondfactor"
	"github.com/rampart/rampart/internal/secretscan"
	"github.com/rampart/rampart/internal/signing"
	"github.com/rampart/rampart/internal/sso"
	"github.com/rampart/rampart/internal/stage"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/throttle"
	"github.com/rampart/rampart/internal/tlog"
	"github.com/rampart/rampart/internal/upstream"
	"github.com/rampart/rampart/internal/upstream/proxyview"
	"github.com/rampart/rampart/internal/web"
	"github.com/rampart/rampart/internal/web/adminpages"
	"github.com/rampart/rampart/internal/web/advisorypages"
	"github.com/rampart/rampart/internal/web/logpages"
	"github.com/rampart/rampart/internal/web/orgpages"
	"github.com/rampart/rampart/internal/web/reportpages"
	"github.com/rampart/rampart/internal/web/ssopages"
	"github.com/rampart/rampart/internal/web/stagepages"
	"github.com/rampart/rampart/internal/web/tokenpages"
	"github.com/rampart/rampart/internal/web/trustpages"
	"github.com/rampart/rampart/internal/web/upstreampages"
	"github.com/rampart/rampart/internal/web/versionpages"
)

// Options are what a caller injects besides the config.
type Options struct {
	Log *slog.Logger
	Now func() time.Time // the clock; time.Now when nil
	// Console marks an admin command run beside a possibly live server:
	// it keeps the public URL the server last used (see
	// registry.Config.AdoptStoredURL).
	Console bool
	// WrapStore, when set, wraps the store every service uses; tests use
	// it to check the services' transactions (internal/store/eventcheck).
	WrapStore func(store.Store) store.Store
	// Wrap, when set, goes around the server's handler: a test build
	// (internal/cli, tag rampart_testclock) mounts its clock's control
	// endpoint with it. Release builds leave it nil.
	Wrap func(http.Handler) http.Handler
	// FreeSpace, when set, replaces the reading of the data folder's free
	// bytes (diskspace.Free): a test build simulates a filling disk with
	// it (internal/cli, tag rampart_testclock). Release builds leave it nil.
	FreeSpace func(dir string) (uint64, error)
}

// Services are the domain services over one data folder, for the server
// and for offline admin commands alike.
type Services struct {
	Store    store.Store
	Registry *registry.Service
	// Stage is staged publishing, beside the registry (stage.go).
	Stage *stage.Service
	// The account services (accounts.go).
	Identity *identity.Service
	Authn    *authn.Service
	Factors  *secondfactor.Service
	Limiter  *throttle.Limiter
	// Signing signs versions and keeps the registry's keys (signing.go).
	Signing *signing.Service
	// Trust is trusted publishing (trust.go).
	Trust *Trust
	// Orgs manages organisations, teams and grants (internal/org).
	Orgs *org.Service
	// Background runs every background job and after-commit task of the
	// services (internal/background); Close stops it and waits for it.
	Background *background.Group
	// AccountNotices mails the account security notices from the event
	// outbox (account/notices.go); startJobs runs it.
	AccountNotices *notifier.Notifier
	// Notices is the outbox's one dispatcher: every area's notifier is a
	// subscriber (notices.go); startJobs runs it.
	Notices *notifier.Dispatcher
	console bool // an admin command beside a possibly live server (Options.Console)
	// Scanning revokes leaked tokens (secretscan.go).
	Scanning *secretscan.Service
	// Names is typosquatting protection: the check on new names and the
	// moderators' allowances (internal/namepolicy).
	Names *namepolicy.Service
	// Quarantine is the malware scan and the moderators' actions on
	// versions (quarantine.go).
	Quarantine *quarantine.Service
	// Reports is reports and the moderation queue (reports.go).
	Reports *report.Service
	// Advisories is the OSV advisory database (advisories.go).
	Advisories *advisory.Service
	// TLog is the transparency log (tlog.go); nil for admin commands.
	TLog    *tlog.Log
	tlogAPI *logapi.Handler
	// Upstream proxies the names this registry does not hold from the
	// configured upstreams (internal/upstream); nil when none is.
	Upstream *upstream.Service
	// SSO signs in with the company's identity providers (sso.go); nil
	// when none is configured.
	SSO *sso.Service
	// Ops is what the operator watches: metrics, readiness, free space
	// (internal/ops); Blobs is the blob store as the services use it.
	Ops   *ops.Ops
	Blobs blob.Store
}

// Close stops the services in stages, each with its own share of ctx's
// time (shutdown.go, closeShares): the background jobs stop and are
// waited for; the notices the outbox still holds go out, up to an event
// boundary (a console command beside a live server leaves them to the
// server); then everything is flushed and closed with the time left.
func (s *Services) Close(ctx context.Context) error {
	jobs, cancel := stageContext(ctx, closeShares.jobs)
	s.Background.Stop()
	_ = s.Background.Wait(jobs) // it logs the tasks it gave up on
	cancel()
	if s.Notices != nil && !s.console { // nil: Open failed before making it
		notices, cancel := stageContext(ctx, closeShares.notices)
		// A failure, or the end of the share, leaves the notices in the
		// outbox for the next start.
		if err := s.Notices.Drain(notices); err != nil {
			slog.WarnContext(ctx, "notices left in the outbox for the next start", "err", err)
		}
		cancel()
	}
	// From here on nothing is mailed: the services' own closes find the
	// dispatcher stopped, and the rest waits in the outbox.
	if s.Notices != nil {
		s.Notices.Stop()
	}
	return errors.Join(s.closeStage(ctx), s.closeQuarantine(ctx), s.closeReports(ctx), s.closeTLog(ctx), s.Registry.Close(ctx), s.Store.Close())
}

// Open builds the services over cfg.Data. cfg must be validated.
func Open(ctx context.Context, cfg config.Config, opts Options) (*Services, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if err := cfg.EnsureDataDir(); err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, filepath.Join(cfg.Data, "metadata.db"))
	if err != nil {
		return nil, err
	}
	watch := ops.New(cfg, opts.FreeSpace, opts.Log)
	var st store.Store = ops.ObservedStore{Store: db, Ops: watch}
	if opts.WrapStore != nil {
		st = opts.WrapStore(st)
	}
	fsBlobs, err := fsblob.New(filepath.Join(cfg.Data, "blobs"))
	if err != nil {
		st.Close()
		return nil, err
	}
	blobs := watch.WrapBlobs(fsBlobs)
	params := password.DefaultParams()
	if cfg.InsecureFastPasswordHashing {
		params = password.TestParams()
	}
	var mailer mail.Mailer
	if cfg.Mail.Host != "" {
		mailer, err = mail.NewSMTP(cfg.Mail.SMTP(), opts.Log)
		opts.Log.Info("mail goes out over SMTP", "smtp", cfg.Mail.SMTP())
	} else {
		mailer, err = openOutbox(cfg, opts.Log)
		opts.Log.Info("no SMTP relay configured ([mail] host): mail is written to the outbox folder and its links are logged", "outbox", filepath.Join(cfg.Data, "outbox"))
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	pwOpts := pwcheck.Options{DisableHIBP: cfg.Passwords.HIBPDisabled, MinScore: cfg.Passwords.MinScore, ExtraHashesFile: cfg.Passwords.ExtraHashesFile, Log: opts.Log}
	if !cfg.Passwords.HIBPDisabled {
		pwOpts.HIBPBaseURL = cfg.Passwords.HIBPURL
	}
	checker, err := pwcheck.New(pwOpts)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("[passwords]: %w", err)
	}
	domains, err := newDomainChecker(cfg.EmailDomains, opts.Log, opts.Now)
	if err != nil {
		st.Close()
		return nil, err
	}
	verifier, err := provenance.LoadVerifier(cfg.Provenance.TrustedRoot)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("[provenance] trusted_root: %w", err)
	}
	bg := background.New(limits.MaxBackgroundTasks, opts.Log)
	accts, err := openAccounts(ctx, st, cfg, password.NewHasher(params, 4), mailer, checker, domains, bg, opts)
	if err != nil {
		st.Close()
		return nil, err
	}
	sg, err := openSigning(st, cfg, opts)
	if err != nil {
		st.Close()
		return nil, err
	}
	scanning := openScanning(st, cfg, mailer, opts)
	names := namepolicy.New(st, opts.Now)
	scanner, err := newScanner(cfg, opts)
	if err != nil {
		st.Close()
		return nil, err
	}
	reg, err := registry.New(ctx, st, blobs, registry.Config{
		Format:             npmfmt.Format{},
		PublicURL:          cfg.PublicURL,
		Limits:             cfg.Limits,
		UnpublishWindow:    time.Duration(cfg.Unpublish.WindowHours) * time.Hour,
		MaxWeeklyDownloads: cfg.Unpublish.MaxWeeklyDownloads,
		CriticalTopPercent: cfg.MFA.CriticalTopPercent,
		AdoptStoredURL:     opts.Console,
		Mailer:             mailer,

		CriticalMinDownloads: cfg.MFA.CriticalMinDownloads,
		CriticalGrace:        cfg.MFA.CriticalGracePeriod.Duration,
		Sign:                 signVersion(sg),
		Leaks:                scanning.CheckUpload,
		Provenance:           publish.Provenance{Verifier: verifier, TrustedPublisher: trustedSource(cfg.TrustedPublishing.Issuers)},
		Names:                func(tx publish.NameRoles, ref core.PackageRef) error { return names.Check(tx, ref) },
		OrgPackagesPrivate:   cfg.Access.ReadPolicy().OrgPackagesPrivate,
		Malware:              malwareCheck(cfg, scanner),
	}, opts.Now, opts.Log)
	if err != nil {
		st.Close()
		return nil, err
	}
	accts.Store, accts.Registry, accts.Background = st, reg, bg
	accts.Signing = sg
	if accts.Trust, err = openTrust(st, cfg, npmfmt.Format{}, accts.Limiter, mailer, opts.Now, opts.Log); err != nil {
		return nil, errors.Join(err, accts.Close(ctx))
	}
	if !opts.Console {
		if err := startSigning(ctx, accts, opts.Log); err != nil {
			return nil, errors.Join(err, accts.Close(ctx))
		}
	}
	accts.Scanning = scanning
	accts.Names = names
	accts.Stage = openStage(reg, cfg, mailer, opts)
	accts.Quarantine = openQuarantine(reg, scanner, cfg, mailer, bg, opts)
	accts.Reports = openReports(accts, reg, cfg, mailer, opts)
	upDeps := upstream.Deps{Upstreams: cfg.Upstreams, Store: st, Blobs: blobs, PublicURL: cfg.PublicURL,
		Dir: filepath.Join(cfg.Data, "upstream"), MaxDocument: cfg.Limits.DocumentBytes, MaxTarball: cfg.Limits.TarballBytes, Log: opts.Log, Now: opts.Now}
	screenUpstream(&upDeps, cfg, scanner, reg, st)
	upDeps.Mailer = mailer
	upDeps.Provenance = verifier
	if err := upstreamDownloads(ctx, &upDeps, st, opts.Now, opts.Log); err != nil {
		return nil, errors.Join(err, accts.Close(ctx))
	}
	upstreamNames(&upDeps, names)
	accts.Orgs = org.New(st, mailer, cfg.PublicURL, opts.Now, opts.Log)
	accts.SSO = openSSO(st, cfg, accts, opts.Now, opts.Log)
	accts.Ops, accts.Blobs = watch, blobs
	accts.Advisories = openAdvisories(accts, cfg, opts)
	upstreamAdvisories(&upDeps, accts.Advisories)
	accts.Upstream = upstream.New(upDeps)
	// A moderator's confirmation of a malicious version publishes its
	// MAL- advisory, which npm audit then reports as critical.
	if accts.Quarantine != nil && accts.Advisories != nil {
		accts.Quarantine.UseAdvisories(accts.Advisories)
	}
	openNotices(accts, opts.Now)
	watch.WatchOutbox(st, accts.Notices, opts.Now)
	if err := openTLog(ctx, accts, cfg, opts); err != nil {
		return nil, errors.Join(err, accts.Close(ctx))
	}
	return accts, nil
}

// Handler mounts the front-ends: the web UI for browsers asking for one of
// its pages, the npm protocol for everything else (a packument or tarball
// opened in a browser included). Static files and the policy documents
// (linked from npm error messages) are the web UI's for every client.
// Every request's client address is settled once, in front of them all
// (clientaddr, from cfg.TrustedProxies).
func Handler(svc *Services, cfg config.Config, log *slog.Logger) http.Handler {
	npmH := npm.New(svc.Registry, npm.Accounts{Identity: svc.Identity, Authn: svc.Authn, Factors: svc.Factors, Orgs: svc.Orgs}, cfg.Limits, log).WithStaging(svc.Stage)
	npmH.UseSigning(svc.Signing)
	npmH.UseUpstream(svc.Upstream)
	npmH.SetTrust(svc.Trust.Service)
	npmH.UseAdvisories(svc.Advisories)
	webH := web.New(svc.Registry, web.Accounts{Identity: svc.Identity, Authn: svc.Authn, Factors: svc.Factors}, web.Config{PublicURL: cfg.PublicURL, Policies: docs.Policies(), SecurityContacts: cfg.SecurityContact.Contact}, log)
	webH.Mount(orgpages.New(svc.Orgs), trustpages.New(svc.Trust.Service), stagepages.New(svc.Stage, svc.Registry),
		adminpages.New(svc.Identity, svc.Orgs), moderationPages(svc),
		reportpages.New(svc.Reports, svc.Registry), advisorypages.New(svc.Advisories, svc.Registry),
		logpages.New(svc.TLog, svc.Registry.ReadableBy))
	webH.Mount(versionpages.New(svc.Registry, svc.Registry.Versions(), svc.Advisories, cfg.Limits, log))
	webH.Mount(tokenpages.New(svc.Authn, cfg.PublicURL))
	if svc.Upstream != nil {
		// Proxied packages' pages, where the registry has no such package.
		webH.Mount(upstreampages.New(proxyview.New(svc.Upstream, svc.Store), svc.Registry.HeldLocally))
	}
	proxiedPages(webH, svc)
	if svc.SSO != nil {
		webH.Mount(ssopages.New(svc.SSO))
	}
	addrs := clientaddr.New(cfg.TrustedProxyPrefixes())
	// The catch-all settles the client address and, for npm, the user
	// agent in one copy of the request (r.WithContext copies it whole).
	catchAll := func(w http.ResponseWriter, r *http.Request) {
		ctx := addrs.Context(r)
		if (web.IsBrowser(r) || web.WantsPage(r)) && webH.Serves(r) {
			webH.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		// The npm client's user agent names its device in new-device
		// notices (`npm login`). A browser that reaches nothing gets the
		// web UI's 404 page, not npm's JSON.
		notFoundAsPage(webH, npmH, w, r.WithContext(account.WithUserAgent(ctx, r.UserAgent())))
	}
	handlers := map[string]http.Handler{ // by name, for serverRoutes
		"healthz": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintln(w, "ok")
		}),
		"static":          addrs.Handler(webH),
		"webauthn":        addrs.Handler(webH),
		"policies":        addrs.Handler(webH),
		"security.txt":    web.SecurityTxt(cfg.SecurityContact, cfg.PublicURL),
		"secret-scanning": addrs.Handler(scanapi.New(svc.Scanning, log)),
	}
	mux := newMux(serverRoutes(func(name string) http.Handler { return handlers[name] }))
	ops.Mount(mux, svc.Ops, svc.Store, svc.Blobs, cfg, log)
	mountReports(mux, svc, addrs.Handler, log)
	mountModeration(mux, svc, npmH, addrs.Handler, log)
	mountProvenance(mux, svc, npmH, addrs.Handler, log)
	mux.Handle(osvapi.Prefix, addrs.Handler(osvapi.New(svc.Advisories, osvapi.Access{Authenticate: svc.Authn.Authenticate, Readable: svc.Registry.ReadableBy}, log)))
	mountTLog(mux, svc)
	mountSBOM(mux, svc, cfg, addrs, log)
	mux.HandleFunc("/", catchAll)
	// A private registry's read gate stands in front of everything, the
	// fast paths and their caches included (readgate.go).
	gated := newReadGate(fastReads(mux, catchAll), cfg.Access.ReadPolicy(), svc, webH, addrs, log)
	return httpguard.WithPathPrefix(cfg.PathPrefix(), httpguard.WithDeadlines(ops.Observe(gated, svc.Ops, addrs, cfg.Log.Requests, log), cfg.Limits))
}

// logStartupWarnings says, once, what in cfg weakens the deployment.
func logStartupWarnings(cfg config.Config, log *slog.Logger) {
	if cfg.PublicURLInClear() {
		log.Warn("public_url is plain http on a host other than localhost: browsers get session cookies that are not Secure, and passwords, session cookies and tokens cross the network in clear text; serve Rampart over https (for example behind a TLS-terminating proxy) and set public_url to the https URL",
			"public_url", cfg.PublicURL)
	}
	if len(cfg.TrustedProxies) > 0 {
		log.Info("client addresses of requests from trusted proxies are taken from X-Forwarded-For", "trusted_proxies", cfg.TrustedProxies)
	}
}

// startJobs starts the periodic jobs in the services' background group;
// they end when it stops (Services.Close).
func startJobs(svc *Services, cfg config.Config, log *slog.Logger) {
	bg := svc.Background
	bg.Go(bg.Context(), "download counts", func(ctx context.Context) { svc.Registry.RunBackground(ctx, 10*time.Second) })
	if svc.Upstream != nil {
		bg.Go(bg.Context(), "proxied download counts", func(ctx context.Context) { svc.Upstream.RunDownloads(ctx, 10*time.Second) })
	}
	startNotices(svc)
	bg.Go(bg.Context(), "critical packages", func(ctx context.Context) { svc.Registry.Critical().Run(ctx, 24*time.Hour) })
	if cfg.EmailDomains.Check {
		bg.Go(bg.Context(), "email domain re-checks", func(ctx context.Context) {
			runDomainRechecks(ctx, svc.Identity, cfg.EmailDomains.RecheckInterval.Duration, log)
		})
	}
	bg.Go(bg.Context(), "sweeps", func(ctx context.Context) { runSweeps(ctx, svc.Limiter, time.Hour, log) })
	bg.Go(bg.Context(), "free space", func(ctx context.Context) { svc.Ops.WatchSpace(ctx, time.Minute) })
	startStageJobs(svc)
	startAdvisoryJobs(svc, cfg)
	startTLog(svc)
}

// Serve runs the registry on ln until ctx is cancelled, then stops
// accepting, lets requests in flight finish (up to [shutdown] drain, then
// cuts them: shutdown.go), then closes the services within closeBudget,
// each stage with its share (Services.Close): the background jobs, the
// notices still in the outbox (up to an event boundary), the flush of
// download counts and the stores.
func Serve(ctx context.Context, cfg config.Config, ln net.Listener, opts Options) error {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	svc, err := Open(ctx, cfg, opts)
	if err != nil {
		return err
	}
	logStartupWarnings(cfg, opts.Log)
	logSecurityContact(cfg.SecurityContact, opts.Now, opts.Log)
	startJobs(svc, cfg, opts.Log)
	// No ReadTimeout or WriteTimeout: bodies and responses get deadlines
	// sized to each request (httpguard.WithDeadlines), which one server-wide number
	// cannot be (docs/limits.md, "Time and connections").
	h := Handler(svc, cfg, opts.Log)
	if opts.Wrap != nil {
		h = opts.Wrap(h)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: limits.HeaderTimeout,
		IdleTimeout:       limits.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(opts.Log.Handler(), slog.LevelWarn),
	}
	ln = httpguard.LimitPerSource(ln, cfg.Limits.ConnectionsPerSource, cfg.TrustedProxyPrefixes(), opts.Log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		err = drain(srv, svc.Ops, cfg.Shutdown.Drain.Duration, opts.Log)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	closeCtx, cancel := context.WithTimeout(context.Background(), closeBudget)
	defer cancel()
	return errors.Join(err, svc.Close(closeCtx))
}
