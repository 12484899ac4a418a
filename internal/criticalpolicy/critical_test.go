package criticalpolicy_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/criticalpolicy"
	"github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/store/storetest/suite"
	"github.com/rampart/rampart/internal/testclock"
)

// TestRecomputeAndDesignate: the top share by downloads over the last
// 30 days becomes critical with a grace period and its maintainers named
// for the outbox; an unchanged set records nothing; an administrator's
// designation applies at once and is the administrator's alone.
func TestRecomputeAndDesignate(t *testing.T) {
	ctx := context.Background()
	raw, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	st := eventcheck.Wrap(t, raw)
	clock := testclock.New(time.Date(2030, 3, 4, 12, 0, 0, 0, time.UTC))
	var flushed, woken int
	svc := criticalpolicy.New(st, npm.Format{}, criticalpolicy.Config{TopPercent: 1, MinDownloads: 5, Grace: 14 * 24 * time.Hour},
		clock.Now, slog.New(slog.DiscardHandler), func(context.Context) error { flushed++; return nil }, func() { woken++ })

	alice := suite.CreateUser(t, raw, "alice")
	pkgs := map[string]*core.Package{}
	for name, downloads := range map[string]int64{"hot": 50, "warm": 4, "cold": 0} {
		p := suite.CreatePackage(t, raw, suite.NewPackage(name))
		pkgs[name] = p
		suite.Write(t, raw, func(tx store.Tx) error {
			if err := tx.AddMaintainer(p.ID, alice.ID, clock.Now()); err != nil {
				return err
			}
			return tx.AddDownloads(p.ID, clock.Now().Add(-24*time.Hour), downloads)
		})
	}
	critical := func() []string {
		t.Helper()
		list, err := svc.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range list {
			names = append(names, c.Name)
		}
		slices.Sort(names)
		return names
	}
	lastEvent := func() event.CriticalChange {
		t.Helper()
		evs := suite.Read(t, raw, func(tx store.Tx) ([]core.Event, error) { return tx.EventsAfter(0, 100) })
		if len(evs) == 0 {
			t.Fatal("no events")
		}
		p, err := event.Parse(&evs[len(evs)-1])
		if err != nil {
			t.Fatal(err)
		}
		return p.(event.CriticalChange)
	}

	changed, err := svc.Recompute(ctx)
	if err != nil || !changed || flushed != 1 || woken != 1 {
		t.Fatalf("Recompute: changed %t, %v; flushed %d, woken %d", changed, err, flushed, woken)
	}
	if got := critical(); !slices.Equal(got, []string{"hot"}) {
		t.Fatalf("critical %v, want [hot] (warm is under the floor)", got)
	}
	ev := lastEvent()
	if !slices.Equal(ev.BecameCritical, []string{"hot"}) || !slices.Equal(ev.Recipients, []string{"hot alice"}) ||
		!ev.KeyRequiredFrom.Equal(clock.Now().Add(14*24*time.Hour)) {
		t.Errorf("event %+v", ev)
	}
	c := suite.Read(t, raw, func(tx store.Tx) (core.CriticalPackage, error) { return tx.CriticalState(pkgs["hot"].ID) })
	if got := svc.KeyRequiredFrom(c); !got.Equal(clock.Now().Add(14 * 24 * time.Hour)) {
		t.Errorf("KeyRequiredFrom = %v, want the end of the grace period", got)
	}
	if changed, err := svc.Recompute(ctx); err != nil || changed {
		t.Fatalf("an unchanged set: changed %t, %v", changed, err)
	}

	maintainer := authz.Principal{User: alice}
	if err := svc.Designate(ctx, maintainer, "cold", true); core.KindOf(err) != core.KindForbidden {
		t.Fatalf("a maintainer designated a package: %v", err)
	}
	admin := authz.Principal{User: &core.User{ID: alice.ID + 100, Name: "root", Admin: true}, Console: true}
	if err := svc.Designate(ctx, admin, "nonesuch", true); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("designating an unknown package: %v", err)
	}
	if err := svc.Designate(ctx, admin, "cold", true); err != nil {
		t.Fatal(err)
	}
	if got := critical(); !slices.Equal(got, []string{"cold", "hot"}) {
		t.Fatalf("critical %v, want [cold hot]", got)
	}
	if ev := lastEvent(); !ev.Designated || !slices.Equal(ev.Notify, []string{"alice"}) {
		t.Errorf("designation event %+v, want alice to mail", ev)
	}
	c = suite.Read(t, raw, func(tx store.Tx) (core.CriticalPackage, error) { return tx.CriticalState(pkgs["cold"].ID) })
	if got := svc.KeyRequiredFrom(c); !got.IsZero() {
		t.Errorf("a designated package has a grace period until %v; it applies at once", got)
	}
}
