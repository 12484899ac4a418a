// Package quarantine is the malware scan's publish check and the
// moderators' actions on a version (GEN-2c, BEY-c): every new version is
// scanned before any client can install it (Scanner, filled into the
// publish's scan stage), a hit commits it quarantined with its findings,
// and the site's moderators and administrators (authz.Moderate) hold,
// release, confirm as malicious, remove and restore versions, and rescan
// existing ones with the current rules in the background.
//
// Every action is authorized (authz.Moderate), records its event in its
// own transaction, and refreshes the package's document and read caches
// the way every version state change does: through the registry's
// watched store and its Touch and Refresh hooks. The maintainers are
// mailed from the outbox by the registry (event.Quarantine and
// QuarantineRelease) and by this package's notices (confirm, remove,
// restore); the staff are alerted of a scan's hold (notices.go).
package quarantine

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/background"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/store"
)

// MaliciousAdvisories publishes a MAL- advisory for versions confirmed
// malicious (internal/advisory's service); its id is recorded in the
// confirmation's event.
type MaliciousAdvisories interface {
	PublishMalicious(ctx context.Context, actor string, pkg core.PackageRef, versions []string, summary, details string) (id string, err error)
}

// Hooks are the package service's parts this service writes through.
type Hooks struct {
	// Touch bumps the package's revision and modification time.
	Touch func(tx store.Packages, p *core.Package) error
	// Refresh marks the package's document changed.
	Refresh func(tx store.Tx, p *core.Package, changed ...*core.Version) error
	// Signed says how p signed in and from where, for notices.
	Signed func(p authz.Principal) (via, ip string)
	// Format is the ecosystem's format (names, the highest version).
	Format ecosystem.Format
	// Wake has the package notices (the maintainers' mail of a
	// quarantine or release) mailed now; nil waits for their interval.
	Wake func()
}

// Config is what the service needs besides its store.
type Config struct {
	// Scanner is the rule set new versions and rescans are scanned with.
	Scanner *Scanner
	// PublicURL is the registry's base URL, ending in "/".
	PublicURL string
	Mailer    mail.Mailer
	Hooks     Hooks
	// Advisories publishes MAL- advisories on confirmation; nil skips.
	Advisories MaliciousAdvisories
	// Background runs rescans.
	Background *background.Group
	// Console marks a console command beside a live server: it leaves
	// the notices to the server.
	Console bool
}

// Service is the moderators' actions on versions.
type Service struct {
	store   store.Store
	blobs   blob.Store
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
	notices *notifier.Notifier
}

// metaNoticeCursor is the store.Meta key of the moderation notices'
// outbox cursor (migration 0037 sets it for an existing registry).
const metaNoticeCursor = "notices.moderation"

// PathModeration is the web UI's moderation area; a version's page is
// PathModeration + "package/<name>/v/<version>".
const PathModeration = "moderation/"

// New returns the service over st, which must be the package service's
// store (its writes invalidate the read caches).
func New(st store.Store, blobs blob.Store, cfg Config, now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{store: st, blobs: blobs, cfg: cfg, now: now, log: log}
	s.notices = notifier.New(st, cfg.Mailer, metaNoticeCursor, s.noticesOf, log).
		Types(core.EventQuarantine, core.EventVersionConfirmMalicious, core.EventVersionRemove, core.EventVersionRestore)
	if cfg.Scanner != nil {
		cfg.Scanner.wake = s.notices.Wake
	}
	return s
}

// UseAdvisories sets where confirmations publish their MAL- advisories
// (internal/advisory's service, wired by the composition root).
func (s *Service) UseAdvisories(a MaliciousAdvisories) { s.cfg.Advisories = a }

// Scanner is the rule set in use.
func (s *Service) Scanner() *Scanner { return s.cfg.Scanner }

func (s *Service) ref(name string) core.PackageRef {
	return core.PackageRef{Ecosystem: s.cfg.Hooks.Format.Ecosystem(), Name: name}
}

// VersionURL is the moderation page of name@version.
func (s *Service) VersionURL(name, version string) string {
	return s.cfg.PublicURL + PathModeration + "package/" + name + "/v/" + version
}

// Notices is the moderation notifier, a subscriber the composition root adds
// to the outbox's one dispatcher (notifier.Dispatcher).
func (s *Service) Notices() *notifier.Notifier { return s.notices }

// Close delivers what the outbox still holds; a console leaves it to
// the server.
func (s *Service) Close(ctx context.Context) error {
	if s.cfg.Console {
		return nil
	}
	if err := s.notices.Deliver(ctx); err != nil {
		s.log.WarnContext(ctx, "moderation notices left in the outbox for the next start", "err", err)
	}
	return nil
}

// authorize is the moderators' check, outside any transaction, with the
// request's one-time password spent if one is needed.
func authorize(p authz.Principal) error {
	if p.Anonymous() {
		return authz.NotLoggedIn()
	}
	return authz.Require(p, authz.Moderate, authz.Resource{})
}

// fresh is the step-up of the destructive actions (confirm, remove): in
// a browser, a second factor passed within the step-up window, as owner
// changes need; a token already sent a one-time password with this very
// request (authz.Moderate by token), and the console is the operator.
func fresh(p authz.Principal) error {
	if p.Console || p.Token != nil {
		return nil
	}
	if !p.Recent(p.MFAVerifiedAt) && !p.Recent(p.PhishingResistantAt) {
		return core.Errorf(core.KindOTPRequired, "%s", authz.StepUpMessage)
	}
	return nil
}

// reason checks a moderator's reason: required, bounded.
func reason(r string, what string) (string, error) {
	if r == "" {
		return "", core.Errorf(core.KindInvalid, "say why you %s this version (a reason is required: the maintainers and the log read it)", what)
	}
	if len(r) > maxReason {
		return "", core.Errorf(core.KindTooLarge, "the reason is over %d bytes; shorten it", maxReason)
	}
	return r, nil
}

// target is the version an action is on, read in its transaction.
type target struct {
	pkg         *core.Package
	v           *core.Version
	maintainers []core.User
	hold        *core.VersionHold // nil if none recorded
}

func (s *Service) target(tx store.Tx, name, version string) (*target, error) {
	pkg, err := tx.PackageByRef(s.ref(name))
	if err != nil {
		return nil, notFound(name, version, err)
	}
	v, err := tx.Version(pkg.ID, version)
	if err != nil {
		return nil, notFound(name, version, err)
	}
	ms, err := tx.Maintainers(pkg.ID)
	if err != nil {
		return nil, err
	}
	t := &target{pkg: pkg, v: v, maintainers: ms}
	if h, err := tx.VersionHold(pkg.ID, version); err == nil {
		t.hold = h
	} else if !errors.Is(err, core.ErrNotFound) {
		return nil, err
	}
	return t, nil
}

func notFound(name, version string, err error) error {
	if errors.Is(err, core.ErrNotFound) {
		return core.Errorf(core.KindNotFound, "%s@%s is not in this registry", name, version)
	}
	return err
}

func actor(p authz.Principal) string {
	if p.Console && p.User == nil {
		return "operator"
	}
	return p.Name()
}
