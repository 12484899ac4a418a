package stage

import (
	"context"
	"errors"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// A stage is decided once: approved, rejected, or expired. Each decision
// is one transaction holding the version's new state, the stage's status
// (store.Stages.DecideStage refuses a second decision, so an approval
// racing a rejection or the expiry job cannot both count), the package's
// revision, its event and its document's stale mark.
//
// A rejected or expired version is discarded the way an unpublished one
// is: served to no one, maintainers included, its tarball unreachable,
// and its version number used forever. Its bytes were visible to the
// maintainers (and to whoever held their token), so the number must
// never name other bytes.

// Approve makes the staged version id live and moves the tag its publish
// asked for: the proof of presence staging deferred, so p needs a fresh
// second factor (npm prompts for a one-time password), and a security
// key or passkey for a critical package (authz.ApproveStage).
func (s *Service) Approve(ctx context.Context, p authz.Principal, id string) (*core.Stage, error) {
	if p.Anonymous() {
		return nil, authz.NotLoggedIn()
	}
	if err := s.ExpireDue(ctx); err != nil {
		return nil, err
	}
	if err := s.preflight(ctx, p, authz.ApproveStage, id); err != nil {
		return nil, err
	}
	var out *core.Stage
	err := s.store.Update(ctx, func(tx store.Tx) error {
		st, pk, v, err := s.decidable(tx, p, authz.ApproveStage, id)
		if err != nil {
			return err
		}
		now := s.now()
		v.Held = ""
		if err := tx.UpdateVersion(v); err != nil {
			return err
		}
		if err := tx.SetDistTag(pk.pkg.ID, st.Tag, st.Version); err != nil {
			return err
		}
		if err := tx.DecideStage(st.ID, core.StageApproved, now, p.User.Name); err != nil {
			return err
		}
		// As a publish does: latest's description and keywords are the
		// package's, for search.
		if st.Tag == "latest" || pk.pkg.Description == "" {
			pk.pkg.Description, pk.pkg.Keywords = st.Description, st.Keywords
		}
		if err := s.cfg.Hooks.Touch(tx, pk.pkg); err != nil {
			return err
		}
		via, ip := s.cfg.Hooks.Signed(p)
		ev := event.StageApprove{Stage: st.ID, Integrity: st.Integrity, Tag: st.Tag, Via: via, IP: ip, Notify: core.UserNames(pk.maintainers)}
		if err := tx.AppendEvent(ev.At(now, p.User.Name, st.Package, st.Version)); err != nil {
			return err
		}
		if err := s.cfg.Hooks.Refresh(tx, pk.pkg, v); err != nil {
			return err
		}
		st.Status, st.DecidedAt, st.DecidedBy = core.StageApproved, now, p.User.Name
		out = st
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("staged version approved", "package", out.Package, "version", out.Version, "user", p.User.Name, "stage", out.ID)
	s.notices.Wake()
	return out, nil
}

// Reject discards the staged version id (authz.RejectStage).
func (s *Service) Reject(ctx context.Context, p authz.Principal, id string) (*core.Stage, error) {
	if p.Anonymous() {
		return nil, authz.NotLoggedIn()
	}
	if err := s.ExpireDue(ctx); err != nil {
		return nil, err
	}
	if err := s.preflight(ctx, p, authz.RejectStage, id); err != nil {
		return nil, err
	}
	var out *core.Stage
	err := s.store.Update(ctx, func(tx store.Tx) error {
		st, pk, v, err := s.decidable(tx, p, authz.RejectStage, id)
		if err != nil {
			return err
		}
		now := s.now()
		via, ip := s.cfg.Hooks.Signed(p)
		ev := event.StageReject{Stage: st.ID, Integrity: st.Integrity, Via: via, IP: ip, Notify: core.UserNames(pk.maintainers)}
		if err := s.discard(tx, st, pk, v, core.StageRejected, now, p.User.Name, ev.At(now, p.User.Name, st.Package, st.Version)); err != nil {
			return err
		}
		st.Status, st.DecidedAt, st.DecidedBy = core.StageRejected, now, p.User.Name
		out = st
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("staged version rejected", "package", out.Package, "version", out.Version, "user", p.User.Name, "stage", out.ID)
	s.notices.Wake()
	return out, nil
}

// expiryBatch is how many stages one pass of ExpireDue reads.
const expiryBatch = 100

// ExpireDue rejects every open stage whose time is up, each in its own
// transaction with its event. The periodic job (RunExpiry) calls it, and
// so does every read and decision of stages first, so that nobody sees or
// approves a stage past its expiry whatever the job's timing.
func (s *Service) ExpireDue(ctx context.Context) error {
	for {
		now := s.now()
		var due []core.Stage
		err := s.store.View(ctx, func(tx store.Tx) error {
			var err error
			due, err = tx.ExpiredStages(now, expiryBatch)
			return err
		})
		if err != nil || len(due) == 0 {
			return err
		}
		for _, d := range due {
			err := s.store.Update(ctx, func(tx store.Tx) error {
				st, err := tx.Stage(d.ID)
				if err != nil || !st.Open() {
					return err // decided meanwhile: nothing to do
				}
				pk, err := s.load(tx, st.Package)
				if err != nil {
					return err
				}
				v, err := tx.Version(pk.pkg.ID, st.Version)
				if err != nil {
					return err
				}
				ev := event.StageExpire{Stage: st.ID, Integrity: st.Integrity, StagedAt: st.CreatedAt, Notify: core.UserNames(pk.maintainers)}
				return s.discard(tx, st, pk, v, core.StageExpired, now, "", ev.At(now, st.Package, st.Version))
			})
			if err != nil {
				return err
			}
			s.log.Info("staged version expired", "package", d.Package, "version", d.Version, "stage", d.ID)
		}
		s.notices.Wake()
		if len(due) < expiryBatch {
			return nil
		}
	}
}

// RunExpiry expires stages every interval until ctx ends.
func (s *Service) RunExpiry(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := s.ExpireDue(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "expiring staged versions failed; retrying later", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// discard takes a staged version out of reach for good (a rejection or
// an expiry): unpublished, its number kept, the stage decided, the event.
func (s *Service) discard(tx store.Tx, st *core.Stage, pk *pkgState, v *core.Version, status core.StageStatus, now time.Time, by string, ev *core.Event) error {
	v.UnpublishedAt = now
	if err := tx.UpdateVersion(v); err != nil {
		return err
	}
	if err := tx.DecideStage(st.ID, status, now, by); err != nil {
		return err
	}
	if err := s.cfg.Hooks.Touch(tx, pk.pkg); err != nil {
		return err
	}
	if err := tx.AppendEvent(ev); err != nil {
		return err
	}
	return s.cfg.Hooks.Refresh(tx, pk.pkg, v)
}

// preflight authorizes a on stage id in a read transaction, spending the
// request's one-time password if the decision asks for one (authz.Settle),
// outside any write transaction.
func (s *Service) preflight(ctx context.Context, p authz.Principal, a authz.Action, id string) error {
	return authz.Settle(p, func() error {
		return s.store.View(ctx, func(tx store.Tx) error {
			_, _, _, err := s.decidable(tx, p, a, id)
			return err
		})
	})
}

// decidable loads stage id for a decision a by p: a stage p may review,
// still open, whose version is still pending, and a allowed.
func (s *Service) decidable(tx store.Tx, p authz.Principal, a authz.Action, id string) (*core.Stage, *pkgState, *core.Version, error) {
	st, err := s.reviewable(tx, p, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if !st.Open() {
		return nil, nil, nil, decided(st)
	}
	pk, err := s.load(tx, st.Package)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := authz.Authorize(p, a, pk.res); err != nil {
		return nil, nil, nil, err
	}
	v, err := tx.Version(pk.pkg.ID, st.Version)
	if errors.Is(err, core.ErrNotFound) || (err == nil && v.State() != core.StatePending) {
		return nil, nil, nil, core.Errorf(core.KindConflict, "%s@%s is no longer waiting for approval (it was unpublished); nothing to decide", st.Package, st.Version)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return st, pk, v, nil
}
