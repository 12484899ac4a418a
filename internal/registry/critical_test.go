package registry_test

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// TestCriticalPackages: the daily computation over the last 30 days of
// downloads (top 1%, at least one, ties included) with a clock the test
// moves, admin designation, and an event whenever the set changes.
func TestCriticalPackages(t *testing.T) {
	// No floor, to show the percentile on small counts.
	e := newPolicyEnvWith(t, func(c *config.Config) { c.MFA.CriticalMinDownloads = 1 })
	for _, n := range []string{"a", "b", "c"} {
		e.publish(e.alice, n, "1.0.0", "latest", nil)
	}
	critical := func() []string {
		t.Helper()
		list, err := e.svc.Registry.Critical().List(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range list {
			names = append(names, c.Name)
		}
		return names
	}
	recompute := func(wantChanged bool) {
		t.Helper()
		changed, err := e.svc.Registry.Critical().Recompute(e.ctx)
		if err != nil || changed != wantChanged {
			t.Fatalf("RecomputeCritical: changed %t, %v; want changed %t", changed, err, wantChanged)
		}
	}
	recompute(false)
	if got := critical(); len(got) != 0 {
		t.Fatalf("no downloads, critical %v", got)
	}
	e.download("a", "1.0.0", 10)
	e.download("b", "1.0.0", 5)
	recompute(true)
	if got := critical(); len(got) != 1 || got[0] != "a" {
		t.Fatalf("critical %v, want [a] (1%% of 3 packages, at least one)", got)
	}
	recompute(false) // same set: no new event
	e.download("b", "1.0.0", 5)
	recompute(true)
	if got := critical(); len(got) != 2 {
		t.Fatalf("critical %v, want [a b] (tied)", got)
	}
	// 31 days later the old downloads are out of the window.
	e.at(31 * 24 * time.Hour)
	e.download("c", "1.0.0", 1)
	recompute(true)
	if got := critical(); len(got) != 1 || got[0] != "c" {
		t.Fatalf("critical %v, want [c] after the window moved", got)
	}
	// An admin designates b; it stays critical whatever the downloads.
	if err := e.svc.Registry.Critical().Designate(e.ctx, e.admin, "b", true); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Registry.Critical().Designate(e.ctx, e.alice, "a", true); core.KindOf(err) != core.KindForbidden {
		t.Fatalf("a maintainer designated a package: %v", err)
	}
	e.at(62 * 24 * time.Hour)
	recompute(true)
	if got := critical(); len(got) != 1 || got[0] != "b" {
		t.Fatalf("critical %v, want [b] (designated)", got)
	}
	var events int
	if err := e.svc.Store.View(e.ctx, func(tx store.Tx) error {
		all, err := tx.EventsAfter(0, 1000)
		for _, ev := range all {
			if ev.Type == core.EventCriticalChange {
				events++
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if events != 5 {
		t.Errorf("%d critical-change events, want 5 (4 recomputations that changed the set, 1 designation)", events)
	}
}
