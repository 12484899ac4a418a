package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/orgfacts"
	"github.com/rampart/rampart/internal/store"
)

// An Upload is one PUT /<name> body (a publish or a deprecation) being
// received. Resources are taken in the order that keeps one client from
// holding what others need:
//
//  1. BeginUpload, before a byte of the body is read: the declared size,
//     then authorization (the caller may publish or manage this name at
//     all, so an unverified or unrelated account is refused here), then
//     one of the account's limits.MaxUploadsPerAccount upload slots
//     (waiting for one behind at most limits.MaxUploadsQueuedPerAccount).
//  2. The body, read by the ecosystem's format (npm: the front-end, with
//     npm's ReadUpload) and streamed to the upload's Scratch file on the
//     blob store's disk; memory holds the document without its tarball,
//     within limits.manifest_bytes (or limits.document_bytes, if larger:
//     a deprecation sends back the package's whole document).
//  3. Publish: only now one of limits.MaxPublishesProcessing slots shared
//     by the server, for the CPU and database work on a body that is in:
//     the format's parse into a neutral ecosystem.Publish, then the rest
//     of publishStages.
//
// A slow or stalled body thus holds only its own account's slots; the
// caller bounds how long it may take (limits.BodyTimeout).
type Upload struct {
	s       *Publisher
	p       authz.Principal
	name    string
	release func()
	spool   *os.File
	// stage marks a `npm stage publish` (BeginStage).
	stage bool
}

// BeginUpload admits a PUT /<name> before its body is read. declared is
// the body's declared length (Content-Length), or -1 if unknown. Close
// the Upload when done.
func (s *Publisher) BeginUpload(ctx context.Context, p authz.Principal, name string, declared int64) (*Upload, error) {
	f, err := s.uploadFormat()
	if err != nil {
		return nil, err
	}
	if declared > s.limits.PublishBodyBytes() && !p.Anonymous() {
		return nil, f.RequestTooLarge(s.limits)
	}
	return s.Admit(ctx, p, name, s.mayUpload)
}

// Admit is what every admission before a body ends with, once the
// declared size has been checked: a signed-in caller, may's decision on
// whether p may send this body to name, then one of the account's upload
// slots. The registry's BeginMetadataUpdate shares it, so that revision
// updates and publishes count against the same slots.
func (s *Publisher) Admit(ctx context.Context, p authz.Principal, name string, may func(context.Context, authz.Principal, string) error) (*Upload, error) {
	if p.Anonymous() {
		return nil, authz.NotLoggedIn()
	}
	if err := may(ctx, p, name); err != nil {
		return nil, err
	}
	release, ok, err := s.uploads.acquire(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, core.RateLimited(uploadRetry,
			"you already have %d uploads to this registry in progress and %d more waiting, the most one account may have; wait for them to finish, then try again",
			limits.MaxUploadsPerAccount, limits.MaxUploadsQueuedPerAccount)
	}
	return &Upload{s: s, p: p, name: name, release: release}, nil
}

// uploadRetry is the Retry-After of a refused upload: a guess at when one
// of the account's uploads will have finished.
const uploadRetry = 10 * time.Second

// mayUpload decides, before any of the body is read, whether p may send a
// body to name at all: create it (a new or released name), publish to it,
// or, for its maintainers, deprecate its versions. The full decision is
// taken again once the body says what the request is.
func (s *Publisher) mayUpload(ctx context.Context, p authz.Principal, name string) error {
	return authz.Settle(p, func() error { return s.mayUploadIn(ctx, p, name) })
}

// mayUploadIn is mayUpload's decision in a read transaction, which may
// answer that a one-time password is needed (Settle spends it).
func (s *Publisher) mayUploadIn(ctx context.Context, p authz.Principal, name string) error {
	return s.store.View(ctx, func(tx store.Tx) error {
		pkg, err := tx.PackageByRef(s.ref(name))
		if errors.Is(err, core.ErrNotFound) {
			if err := s.format.ValidateName(name); err != nil {
				return err
			}
			if err := s.mayCreate(tx, p, name); err != nil {
				return err
			}
			return s.checkTrust(tx, p, s.ref(name), false)
		}
		if err != nil {
			return err
		}
		if !pkg.NameReleasedAt.IsZero() {
			return s.mayCreate(tx, p, name)
		}
		// The same resource checkPublish decides on, grace period included,
		// so that admission never refuses what the publish would allow.
		res, err := s.resourceOf(tx, pkg)
		if err != nil {
			return err
		}
		// Whoever may not read a restricted package learns nothing of it
		// here either: the same not-found as for a name never used.
		if err := authz.Authorize(p, authz.ReadPackage, res); err != nil {
			return err
		}
		err = authz.Authorize(p, authz.PublishVersion, res)
		if err == nil || authz.NeedsOTP(err) {
			if err == nil {
				// A package that publishes only through trusted
				// publishing refuses before the body is read.
				err = s.checkTrust(tx, p, s.ref(name), true)
			}
			return err
		}
		if pkg.Tombstoned() {
			return heldName(pkg)
		}
		if authz.Authorize(p, authz.Deprecate, res) == nil {
			return nil
		}
		return err
	})
}

// mayCreate is checkPublish's rule for a new or released name, scope
// included: a body that could only be refused for the scope once read
// (up to the publish limit, spooled and parsed) is refused before it.
func (s *Publisher) mayCreate(tx orgfacts.UsersOrgs, p authz.Principal, name string) error {
	if err := authz.Authorize(p, authz.CreatePackage, authz.Resource{Package: s.ref(name)}); err != nil {
		return err
	}
	return checkScope(tx, s.format, p, name)
}

// Scratch returns the upload's scratch file, an unlinked file on the
// blob store's disk that the ecosystem's format streams the artifact
// into while it reads the body. Close drops it.
func (u *Upload) Scratch() (*os.File, error) {
	if u.spool != nil {
		return u.spool, nil
	}
	spool, err := u.s.scratch()
	if err != nil {
		return nil, fmt.Errorf("spooling the upload: %w", err)
	}
	u.spool = spool
	return spool, nil
}

// Publish runs the publish pipeline (publishStages) on the body received,
// which parse turns into the neutral publish (the ecosystem format's
// ParseUpload, or the rest of it once the front-end has read the body).
// It waits for one of the server's processing slots, or for ctx, before
// parse runs: parsing inspects the artifact, the costly part.
func (u *Upload) Publish(ctx context.Context, parse func() (*ecosystem.Publish, error)) (*Published, error) {
	select {
	case u.s.processing <- struct{}{}:
		defer func() { <-u.s.processing }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return u.s.runPublish(ctx, u.p, u.stage, parse)
}

// Close releases the account's upload slot and drops the scratch file.
func (u *Upload) Close() {
	if u.spool != nil {
		_ = u.spool.Close()
	}
	u.release()
}

// Publish runs the publish pipeline for a PUT /<name> body held in
// memory (tests, benchmarks, tools), with the same admission as a body
// that streams in.
func (s *Publisher) Publish(ctx context.Context, p authz.Principal, urlName string, body []byte) (*Published, error) {
	u, err := s.BeginUpload(ctx, p, urlName, int64(len(body)))
	if err != nil {
		return nil, err
	}
	defer u.Close()
	return u.publishBody(ctx, urlName, body)
}

// publishBody parses body (held in memory) and runs the pipeline on it.
func (u *Upload) publishBody(ctx context.Context, urlName string, body []byte) (*Published, error) {
	spool, err := u.Scratch()
	if err != nil {
		return nil, err
	}
	f, err := u.s.uploadFormat()
	if err != nil {
		return nil, err
	}
	return u.Publish(ctx, func() (*ecosystem.Publish, error) {
		return f.ParseUpload(bytes.NewReader(body), urlName, u.s.limits, spool)
	})
}

// uploadFormat is the registry's format as one that accepts uploads.
func (s *Publisher) uploadFormat() (ecosystem.Uploads, error) {
	f, ok := s.format.(ecosystem.Uploads)
	if !ok {
		return nil, core.Errorf(core.KindInvalid, "this registry does not accept uploads of %s packages", s.format.Ecosystem())
	}
	return f, nil
}

// scratch returns an unlinked read-write file for an upload, on the blob
// store's disk when the store offers one.
func (s *Publisher) scratch() (*os.File, error) {
	if sc, ok := s.blobs.(blob.Scratcher); ok {
		return sc.Scratch()
	}
	f, err := os.CreateTemp("", "rampart-upload-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// uploadSlots counts each account's uploads in progress and waiting. It
// lives in the process: with several replicas, each bounds its own share.
type uploadSlots struct {
	mu       sync.Mutex
	accounts map[int64]*accountSlots
}

// accountSlots holds one account's slots: a token in active per upload
// receiving its body, and a count of those waiting for one.
type accountSlots struct {
	active  chan struct{}
	waiting int
}

// acquire takes one of user's upload slots, waiting for one while fewer
// than limits.MaxUploadsQueuedPerAccount others wait (a CI job publishing
// a monorepo's packages in parallel queues up rather than fails), or
// until ctx ends. ok is false when the queue is full.
func (u *uploadSlots) acquire(ctx context.Context, user int64) (release func(), ok bool, err error) {
	u.mu.Lock()
	if u.accounts == nil {
		u.accounts = map[int64]*accountSlots{}
	}
	a := u.accounts[user]
	if a == nil {
		a = &accountSlots{active: make(chan struct{}, limits.MaxUploadsPerAccount)}
		u.accounts[user] = a
	}
	if a.waiting >= limits.MaxUploadsQueuedPerAccount {
		u.mu.Unlock()
		return nil, false, nil
	}
	a.waiting++
	u.mu.Unlock()

	select {
	case a.active <- struct{}{}:
	case <-ctx.Done():
		err = ctx.Err()
	}
	u.mu.Lock()
	a.waiting--
	u.forget(user, a)
	u.mu.Unlock()
	if err != nil {
		return nil, false, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-a.active
			u.mu.Lock()
			u.forget(user, a)
			u.mu.Unlock()
		})
	}, true, nil
}

// forget drops an account nobody holds or waits for; u.mu is held.
func (u *uploadSlots) forget(user int64, a *accountSlots) {
	if a.waiting == 0 && len(a.active) == 0 {
		delete(u.accounts, user)
	}
}
