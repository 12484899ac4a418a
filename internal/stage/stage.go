// Package stage is staged publishing: versions uploaded pending (by `npm
// stage publish`, or by a publish the package's policy or a check routes
// there) wait for a maintainer to approve them with a fresh second factor
// before anyone else can install them. It records a stage when the
// publish pipeline (internal/publish) commits a staged version (Record),
// lists, shows and serves staged versions to their maintainers, approves
// (the version goes live and its tag moves), rejects or expires them (the
// version is discarded and its number stays used forever), keeps each
// package's policy, and mails every maintainer of each of these from the
// event outbox.
package stage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/pkgfacts"
	"github.com/rampart/rampart/internal/publish"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/store"
)

// Hooks are what staged publishing needs from the package service, called
// inside its write transactions.
type Hooks struct {
	// Touch bumps the package's revision and modification time.
	Touch func(tx store.Packages, p *core.Package) error
	// Refresh marks the package's document changed (an approved version
	// joins it).
	Refresh func(tx store.Tx, p *core.Package, changed ...*core.Version) error
	// Signed says how p signed in and from which address, for notices.
	Signed func(p authz.Principal) (via, ip string)
	// Ecosystem is the ecosystem of the packages served.
	Ecosystem core.Ecosystem
}

// Config is what the service needs besides its store.
type Config struct {
	// Expiry is how long a stage waits for a decision (config
	// staging.expiry).
	Expiry time.Duration
	// PublicURL is the registry's base URL, ending in "/": notices link
	// to the web UI's pages under it.
	PublicURL string
	Mailer    mail.Mailer
	Hooks     Hooks
	// Console marks a console command (`rampart admin`) beside a live
	// server: it leaves the notices to the server.
	Console bool
}

// Service is staged publishing.
type Service struct {
	store   store.Store
	blobs   blob.Store
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
	notices *notifier.Notifier
}

// metaNoticeCursor is the store.Meta key of the stage notices' outbox
// cursor (migration 0032 sets it for an existing registry).
const metaNoticeCursor = "notices.stage"

// New returns the service over st, which must be the package service's
// store (its writes invalidate the read caches).
func New(st store.Store, blobs blob.Store, cfg Config, now func() time.Time, log *slog.Logger) *Service {
	s := &Service{store: st, blobs: blobs, cfg: cfg, now: now, log: log}
	s.notices = notifier.New(st, cfg.Mailer, metaNoticeCursor, s.noticesOf, log).
		Types(core.EventStagePublish, core.EventStageApprove, core.EventStageReject, core.EventStageExpire, core.EventStagePolicy)
	return s
}

// ref names a package of the ecosystem served.
func (s *Service) ref(name string) core.PackageRef {
	return core.PackageRef{Ecosystem: s.cfg.Hooks.Ecosystem, Name: name}
}

// newID is a random (version 4) UUID, the form npm checks stage ids for.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// isID reports whether id has the form of a stage id, a UUID in
// lowercase hex.
func isID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i, c := range id {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}

// Record is the publish pipeline's Recorder: inside the commit that
// inserted the pending version, the stage's record and its event (which
// names the maintainers the outbox mails).
func (s *Service) Record(tx store.Tx, sv publish.StagedVersion) (string, error) {
	now := sv.Version.PublishedAt
	actorType := "user"
	if sv.Principal.ViaTrustedPublishing() {
		actorType = "trusted publisher"
	}
	st := &core.Stage{
		ID: newID(), PackageID: sv.Package.ID, Package: sv.Package.Name, Version: sv.Version.Version, Tag: sv.Tag,
		Status: core.StageWaiting, Reason: sv.Reason, ActorID: sv.Principal.User.ID, Actor: sv.Principal.User.Name, ActorType: actorType,
		Shasum: sv.Version.Shasum, Integrity: sv.Version.Integrity, CreatedAt: now, ExpiresAt: now.Add(s.cfg.Expiry),
		Description: sv.Description, Keywords: sv.Keywords,
	}
	if err := tx.CreateStage(st); err != nil {
		return "", err
	}
	ev := event.StagePublish{Stage: st.ID, Integrity: st.Integrity, Tag: st.Tag, Reason: st.Reason, ExpiresAt: st.ExpiresAt,
		Token: sv.Token, Via: sv.Via, IP: sv.IP, Notify: core.UserNames(sv.Maintainers)}
	if err := tx.AppendEvent(ev.At(now, st.Actor, st.Package, st.Version)); err != nil {
		return "", err
	}
	return st.ID, nil
}

// List returns one page of the open stages of the packages p maintains,
// of the package name only if name is not "", and how many there are.
// A package p may not review shows nothing, as one with nothing staged.
func (s *Service) List(ctx context.Context, p authz.Principal, name string, page, perPage int) ([]core.Stage, int, error) {
	if p.Anonymous() {
		return nil, 0, authz.NotLoggedIn()
	}
	if err := s.ExpireDue(ctx); err != nil {
		return nil, 0, err
	}
	perPage = min(max(perPage, 1), limits.MaxStagePerPage)
	page = min(max(page, 0), limits.MaxStagePage)
	var out []core.Stage
	var total int
	err := s.store.View(ctx, func(tx store.Tx) error {
		var pkgID int64
		if name != "" {
			pkg, err := tx.PackageByRef(s.ref(name))
			if errors.Is(err, core.ErrNotFound) {
				out, total = nil, 0
				return nil
			}
			if err != nil {
				return err
			}
			pkgID = pkg.ID
		}
		all, n, err := tx.OpenStages(p.User.ID, pkgID, page*perPage, perPage)
		if err != nil {
			return err
		}
		// The store lists what p maintains; the token must also allow
		// reading each (a token limited to other packages sees none).
		out, total = out[:0], n
		for _, st := range all {
			if err := s.authorize(tx, p, authz.ReviewStages, st.Package); err != nil {
				total--
				continue
			}
			out = append(out, st)
		}
		return nil
	})
	return out, total, err
}

// Get returns the stage id if p may review it. A stage of a package p
// does not maintain is not found, as one that does not exist.
func (s *Service) Get(ctx context.Context, p authz.Principal, id string) (*core.Stage, error) {
	if p.Anonymous() {
		return nil, authz.NotLoggedIn()
	}
	if err := s.ExpireDue(ctx); err != nil {
		return nil, err
	}
	var st *core.Stage
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		st, err = s.reviewable(tx, p, id)
		return err
	})
	return st, err
}

// reviewable is the stage id if p may review it, else not found.
func (s *Service) reviewable(tx store.Tx, p authz.Principal, id string) (*core.Stage, error) {
	id = strings.ToLower(id) // npm accepts either case
	if !isID(id) {
		return nil, core.Errorf(core.KindNotFound, "%s is not a stage id: a stage id is a UUID, as `npm stage list` shows", quote.Untrusted(id))
	}
	st, err := tx.Stage(id)
	if errors.Is(err, core.ErrNotFound) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, err
	}
	if err := s.authorize(tx, p, authz.ReviewStages, st.Package); err != nil {
		if core.KindOf(err) == core.KindForbidden || core.KindOf(err) == core.KindNotFound {
			return nil, notFound(id)
		}
		return nil, err
	}
	return st, nil
}

func notFound(id string) error {
	return core.Errorf(core.KindNotFound, "no staged version has the id %s, or you are not a maintainer of its package; `npm stage list` shows the ones you can review", id)
}

// authorize asks authz whether p may take a on the package name.
func (s *Service) authorize(tx store.Tx, p authz.Principal, a authz.Action, name string) error {
	pk, err := s.load(tx, name)
	if err != nil {
		return err
	}
	return authz.Authorize(p, a, pk.res)
}

// pkgState is a package as a decision on its stages needs it.
type pkgState struct {
	pkg         *core.Package
	maintainers []core.User
	res         authz.Resource
}

// load reads the package name with its maintainers, critical state and,
// in an org's scope, the org's facts (authz.authorizeStage: a read-write
// grant stages and decides; owners and admins set the policy). Not
// pkgfacts.Load: a stage is decided or expires whatever became of its
// package, so an unpublished package is loaded too.
func (s *Service) load(tx store.Tx, name string) (*pkgState, error) {
	pkg, err := tx.PackageByRef(s.ref(name))
	if err != nil {
		return nil, err
	}
	st, err := pkgfacts.Of(tx, pkg)
	if err != nil {
		return nil, err
	}
	return &pkgState{pkg: pkg, maintainers: st.Maintainers, res: st.Resource()}, nil
}

// Tarball opens the staged version's file for p, a maintainer: `npm
// stage download`. A decided stage's file is not served here (an
// approved version is installed like any other; a discarded one never
// again).
func (s *Service) Tarball(ctx context.Context, p authz.Principal, id string) (io.ReadSeekCloser, int64, *core.Stage, error) {
	st, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, 0, nil, err
	}
	if !st.Open() {
		return nil, 0, nil, decided(st)
	}
	var digest string
	err = s.store.View(ctx, func(tx store.Tx) error {
		v, err := tx.VersionFile(st.PackageID, st.Version)
		if err != nil {
			return err
		}
		digest = v.Digest
		return nil
	})
	if err != nil {
		return nil, 0, nil, err
	}
	r, size, err := s.blobs.Open(ctx, blob.Digest(digest))
	if err != nil {
		return nil, 0, nil, fmt.Errorf("opening the staged file of %s@%s: %w", st.Package, st.Version, err)
	}
	return r, size, st, nil
}

// decided is the refusal to act on a stage already decided.
func decided(st *core.Stage) error {
	when := st.DecidedAt.UTC().Format(time.RFC3339)
	switch st.Status {
	case core.StageApproved:
		return core.Errorf(core.KindConflict, "%s@%s was already approved (by %s, %s): it is live; install it like any other version", st.Package, st.Version, st.DecidedBy, when)
	case core.StageRejected:
		return core.Errorf(core.KindConflict, "%s@%s was rejected (by %s, %s) and discarded; its version number stays used: stage a new version", st.Package, st.Version, st.DecidedBy, when)
	}
	return core.Errorf(core.KindConflict, "%s@%s expired on %s, nobody having approved it, and was discarded; its version number stays used: stage a new version", st.Package, st.Version, when)
}
