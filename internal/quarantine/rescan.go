package quarantine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// A rescan reads every existing version (or one package's) with the
// current rules, in the background (Config.Background), one version at a
// time: the artifact is read and scanned outside any transaction, then
// one transaction holds the version if it hits, the way a publish's scan
// does (findings, the hold, event.Quarantine naming the maintainers and
// the staff). A version a moderator released is not held again for the
// rules noted then (store.Malware.FalsePositives); one already held or
// unpublished is left as it is. Progress is a row (store.Malware
// rescans) that the console, the API and the moderation page read.
//
// One rescan runs at a time in a process. A rescan left "running" by a
// process that stopped is marked interrupted when the next one starts.

// rescanBatch is how many versions one read of the list takes.
const rescanBatch = 50

// running guards the one rescan of this process.
var running sync.Mutex

// StartRescan starts a rescan of every package, or of pkg: in the
// background in a server, to its end at the console.
func (s *Service) StartRescan(ctx context.Context, p authz.Principal, pkg string) (*core.Rescan, error) {
	if err := authorize(p); err != nil {
		return nil, err
	}
	if !running.TryLock() {
		return nil, core.Errorf(core.KindConflict, "a rescan is already running; see its progress with `rampart admin scan status`")
	}
	r := &core.Rescan{Package: pkg, By: actor(p), State: "running", StartedAt: s.now()}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if pkg != "" {
			if _, err := tx.PackageByRef(s.ref(pkg)); err != nil {
				if errors.Is(err, core.ErrNotFound) {
					return core.Errorf(core.KindNotFound, "package %s is not in this registry", pkg)
				}
				return err
			}
		}
		if prev, err := tx.LatestRescan(); err == nil && prev.State == "running" {
			prev.State, prev.Error, prev.FinishedAt = "interrupted", "the process running it stopped", s.now()
			if err := tx.UpdateRescan(prev); err != nil {
				return err
			}
		} else if err != nil && !errors.Is(err, core.ErrNotFound) {
			return err
		}
		n, err := tx.CountRescanItems(s.ref("").Ecosystem, pkg)
		if err != nil {
			return err
		}
		r.Total = n
		if err := tx.CreateRescan(r); err != nil {
			return err
		}
		ev := event.RescanStart{Rescan: r.ID, Rules: len(s.cfg.Scanner.Rules())}
		return tx.AppendEvent(ev.At(r.StartedAt, actor(p), pkg))
	})
	if err != nil {
		running.Unlock()
		return nil, err
	}
	s.log.Info("rescan started", "rescan", r.ID, "package", pkg, "versions", r.Total, "user", actor(p))
	if s.cfg.Console || s.cfg.Background == nil {
		defer running.Unlock()
		s.runRescan(ctx, r)
		return r, nil
	}
	started := s.cfg.Background.Go(s.cfg.Background.Context(), "malware rescan", func(ctx context.Context) {
		defer running.Unlock()
		s.runRescan(ctx, r)
	})
	if !started {
		running.Unlock()
		r.State, r.Error = "failed", "the server is shutting down or too busy; start it again"
		s.saveRescan(context.WithoutCancel(ctx), r)
	}
	return r, nil
}

// RescanStatus is the newest rescan's progress.
func (s *Service) RescanStatus(ctx context.Context, p authz.Principal) (*core.Rescan, error) {
	if err := authorize(p); err != nil {
		return nil, err
	}
	var r *core.Rescan
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		r, err = tx.LatestRescan()
		return err
	})
	if errors.Is(err, core.ErrNotFound) {
		return nil, core.Errorf(core.KindNotFound, "no rescan has run yet; start one with `rampart admin scan rescan`")
	}
	return r, err
}

// runRescan walks the versions and records progress after each.
func (s *Service) runRescan(ctx context.Context, r *core.Rescan) {
	eco := s.ref("").Ecosystem
	var after int64
	for {
		var items []core.RescanItem
		err := s.store.View(ctx, func(tx store.Tx) error {
			var err error
			items, err = tx.RescanItems(eco, r.Package, after, rescanBatch)
			return err
		})
		if err != nil {
			s.finishRescan(ctx, r, err)
			return
		}
		if len(items) == 0 {
			s.finishRescan(ctx, r, nil)
			return
		}
		for _, it := range items {
			after = it.Seq
			held, err := s.rescanOne(ctx, it)
			if err != nil {
				s.log.Warn("rescan: a version could not be scanned", "package", it.Ref.Name, "version", it.Version, "err", err)
				r.Error = fmt.Sprintf("%s@%s: %v", it.Ref.Name, it.Version, err)
			}
			r.Done++
			if held {
				r.Held++
			}
			if ctx.Err() != nil {
				s.finishRescan(ctx, r, ctx.Err())
				return
			}
			s.saveRescan(ctx, r)
		}
	}
}

func (s *Service) finishRescan(ctx context.Context, r *core.Rescan, err error) {
	r.State, r.FinishedAt = "done", s.now()
	if err != nil {
		r.State, r.Error = "failed", err.Error()
	}
	s.saveRescan(context.WithoutCancel(ctx), r)
	s.log.Info("rescan finished", "rescan", r.ID, "state", r.State, "done", r.Done, "held", r.Held)
	if r.Held > 0 {
		s.notices.Wake()
		if s.cfg.Hooks.Wake != nil {
			s.cfg.Hooks.Wake()
		}
	}
}

func (s *Service) saveRescan(ctx context.Context, r *core.Rescan) {
	if err := s.store.Update(ctx, func(tx store.Tx) error { return tx.UpdateRescan(r) }); err != nil {
		s.log.Warn("rescan: progress not saved", "rescan", r.ID, "err", err)
	}
}

// rescanOne scans one version and holds it if it hits.
func (s *Service) rescanOne(ctx context.Context, it core.RescanItem) (bool, error) {
	if it.State == core.StateQuarantined || it.State == core.StateUnpublished {
		return false, nil
	}
	rd, _, err := s.blobs.Open(ctx, blob.Digest(it.Digest))
	if err != nil {
		return false, err
	}
	in, found, err := s.cfg.Scanner.scan(rd)
	rd.Close()
	if err != nil {
		return false, err
	}
	held := false
	err = s.store.Update(ctx, func(tx store.Tx) error {
		held = false
		t, err := s.target(tx, it.Ref.Name, it.Version)
		if err != nil {
			return err
		}
		if st := t.v.State(); st == core.StateQuarantined || st == core.StateUnpublished {
			return nil // changed since it was listed
		}
		fps, err := tx.FalsePositives(t.pkg.ID, it.Version)
		if err != nil {
			return err
		}
		released := map[string]bool{}
		for _, f := range fps {
			released[f.Rule] = true
		}
		fs, err := s.cfg.Scanner.verdict(tx, t.pkg.ID, it.Version, in, found, released)
		if err != nil || len(fs) == 0 {
			return err
		}
		tags, err := tx.DistTags(t.pkg.ID)
		if err != nil {
			return err
		}
		tag := ""
		for name, v := range tags {
			if v == it.Version && (tag == "" || name == "latest") {
				tag = name
			}
		}
		why := summary(fs)
		t.v.Held = core.StateQuarantined
		if err := tx.UpdateVersion(t.v); err != nil {
			return err
		}
		if err := tx.PutVersionHold(core.VersionHold{PackageID: t.pkg.ID, Version: it.Version, Kind: core.HoldScan, Reason: why, By: actorScan, At: s.now(), Tag: tag}); err != nil {
			return err
		}
		staff, err := tx.SiteStaff()
		if err != nil {
			return err
		}
		if err := s.cfg.Hooks.Touch(tx, t.pkg); err != nil {
			return err
		}
		ev := event.Quarantine{Reason: why, Via: "a rescan with the current rules", Notify: core.UserNames(t.maintainers), Staff: core.UserNames(staff)}
		if err := tx.AppendEvent(ev.At(s.now(), actorScan, it.Ref.Name, it.Version)); err != nil {
			return err
		}
		held = true
		return s.cfg.Hooks.Refresh(tx, t.pkg, t.v)
	})
	return held, err
}
