// Package publish is the publish path: admitting an upload before its
// body is read (the account's upload slots), and the publish pipeline's
// stages (parse, verify, policy, store, scan, commit, after-commit, in
// pipeline.go) on a neutral ecosystem.Publish. What a publish shares with
// the rest of the package service (the package's revision, its document
// and the limits on its growth, critical packages, the maintainers'
// notices) it reaches through Hooks, which the registry fills.
package publish

import (
	"context"
	"log/slog"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/store"
)

// Hooks are what a publish needs from the package service, called inside
// the commit's transaction or once it has committed.
type Hooks struct {
	// Touch bumps the package's revision (a compare-and-swap) and
	// modification time.
	Touch func(tx store.Packages, p *core.Package) error
	// Refresh marks the package's document changed after the new version
	// v is recorded (storing v's fragments), refusing (so rolling back) a
	// publish that takes the package past the limits on its versions,
	// tags or document size.
	Refresh func(tx store.Tx, p *core.Package, v *core.Version) error
	// KeyRequiredFrom is when a critical package's grace period ends,
	// zero if it is not in one.
	KeyRequiredFrom func(core.CriticalPackage) time.Time
	// Signed says how p signed in (the token's mask, never its value)
	// and from which address, for the maintainers' notice that the event
	// outbox mails.
	Signed func(p authz.Principal) (via, ip string)
	// Wake tells the notifier that a committed event has a notice.
	Wake func()
	// Sign signs the new version with the registry's key inside the
	// commit's transaction, before its document is rendered, and sets
	// v.Signatures (internal/signing); nil signs nothing.
	Sign func(tx store.Tx, ref core.PackageRef, v *core.Version) error
	// Trust is trusted publishing's rule on a publish (trust.CheckPublish):
	// a trusted-only package refuses a classic publish, and a name
	// another user's pending publisher reserves refuses its creation.
	// exists says whether the package exists. Nil: no such rule.
	Trust func(tx store.TrustedPublishers, p authz.Principal, ref core.PackageRef, exists bool, now time.Time) error
}

// checkTrust applies Hooks.Trust, if any.
func (s *Publisher) checkTrust(tx store.TrustedPublishers, p authz.Principal, ref core.PackageRef, exists bool) error {
	if s.hooks.Trust == nil {
		return nil
	}
	return s.hooks.Trust(tx, p, ref, exists, s.now())
}

// Config is what a Publisher needs besides its store.
type Config struct {
	// Format is the wire format of the packages served; it accepts
	// uploads if it implements ecosystem.Uploads.
	Format ecosystem.Format
	Limits limits.Limits
	// SecurityKeysURL is the web UI's page for adding a security key,
	// named in the notice of a critical package's coming key requirement.
	SecurityKeysURL string
	Hooks           Hooks
	// Leaks decides what credentials found inside an upload mean
	// (internal/secretscan's CheckUpload); nil lets them through.
	Leaks LeakCheck
	// Provenance is how publishes with build provenance are verified,
	// and provenance continuity (provenance.go).
	Provenance Provenance
	// Names is the policy on new package names (typosquatting); nil
	// checks none (names.go).
	Names NameCheck
	// Malware is the malware scan (malware.go); nil scans nothing.
	Malware MalwareCheck
}

// LeakCheck is called by the scan stage with the credentials the format
// found in the artifact (ecosystem.Publish.Secrets), if any. It may
// revoke tokens and commit their events on its own: the publish is
// refused when it returns an error, and a warning it returns reaches the
// publisher.
type LeakCheck func(ctx context.Context, actor string, ref core.PackageRef, version string, found []ecosystem.Secret) (warning string, err error)

// Publisher admits uploads and publishes them.
type Publisher struct {
	store           store.Store
	blobs           blob.Store
	format          ecosystem.Format
	limits          limits.Limits
	securityKeysURL string
	hooks           Hooks
	leaks           LeakCheck
	provenance      Provenance
	names           NameCheck
	malware         MalwareCheck
	now             func() time.Time
	log             *slog.Logger
	// uploads counts each account's PUT bodies in progress; processing
	// bounds the publishes past their body (see Upload).
	uploads    uploadSlots
	processing chan struct{}
	// staging records staged versions (stage.go); nil until UseStaging.
	staging Staging
}

// New returns a Publisher writing through st (the registry's store, so
// that its read caches see the publishes) and blobs.
func New(st store.Store, blobs blob.Store, cfg Config, now func() time.Time, log *slog.Logger) *Publisher {
	return &Publisher{store: st, blobs: blobs, format: cfg.Format, limits: cfg.Limits, securityKeysURL: cfg.SecurityKeysURL,
		hooks: cfg.Hooks, leaks: cfg.Leaks, provenance: cfg.Provenance, names: cfg.Names, malware: cfg.Malware, now: now, log: log, processing: make(chan struct{}, limits.MaxPublishesProcessing)}
}

// UseStore makes s read and write through st from now on (the registry
// passes its store again when a test wraps it).
func (s *Publisher) UseStore(st store.Store) { s.store = st }

// ref names a package of the ecosystem s publishes.
func (s *Publisher) ref(name string) core.PackageRef {
	return ecosystem.Ref(s.format, name)
}

// packagesCriticalUsers checks a publish against a package and the
// accounts involved: a new name's scope owner, the package's publishers.
type packagesCriticalUsers interface {
	store.Packages
	store.Critical
	store.Users
	store.TrustedPublishers // trusted-only policy and pending reservations (trust.CheckPublish)
	store.Orgs
}
