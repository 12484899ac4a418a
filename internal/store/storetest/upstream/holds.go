package upstream

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunUpstreamHolds runs the cases of store.UpstreamHolds.
func RunUpstreamHolds(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "HoldDecidedOnce", F: testHoldDecidedOnce},
	})
}

// A hold is recorded once per version, listed by state (oldest first,
// paged, with the total), read back per package, and decided once.
func testHoldDecidedOnce(t *testing.T, s store.Store) {
	ref := core.PackageRef{Ecosystem: "npm", Name: "evil-pad"}
	put := func(h core.UpstreamHold) error {
		return s.Update(t.Context(), func(tx store.Tx) error { return tx.PutUpstreamHold(h) })
	}
	a := core.UpstreamHold{Ref: ref, Version: "1.0.0", Upstream: "npmjs", Integrity: "sha512-AAAA", Reason: "r1", Findings: []byte(`[{"rule":"x"}]`), At: suite.At(time.Minute)}
	b := core.UpstreamHold{Ref: ref, Version: "1.1.0", Upstream: "npmjs", Integrity: "sha512-BBBB", Reason: "r2", At: suite.At(2 * time.Minute)}
	other := core.UpstreamHold{Ref: core.PackageRef{Ecosystem: "npm", Name: "other"}, Version: "2.0.0", Upstream: "npmjs", Integrity: "sha512-CCCC", Reason: "r3", At: suite.At(30 * time.Second)}
	for _, h := range []core.UpstreamHold{b, a, other} {
		if err := put(h); err != nil {
			t.Fatalf("PutUpstreamHold(%s@%s): %v", h.Ref.Name, h.Version, err)
		}
	}
	suite.WantErr(t, put(a), core.ErrConflict, "holding a held version again")

	type page struct {
		holds []core.UpstreamHold
		n     int
	}
	list := func(state string, limit, offset int) page {
		return *suite.Read(t, s, func(tx store.Tx) (*page, error) {
			h, n, err := tx.ListUpstreamHolds(state, limit, offset)
			return &page{h, n}, err
		})
	}
	if p := list(core.UpstreamHeld, 2, 0); p.n != 3 || len(p.holds) != 2 || p.holds[0].Ref.Name != "other" || p.holds[1].Version != "1.0.0" ||
		string(p.holds[1].Findings) != `[{"rule":"x"}]` || p.holds[1].State != core.UpstreamHeld || !p.holds[1].At.Equal(a.At.Truncate(time.Millisecond)) {
		t.Fatalf("ListUpstreamHolds(held, 2, 0) = %+v, want 3 in all, other then evil-pad@1.0.0", p)
	}
	if p := list(core.UpstreamHeld, 2, 2); p.n != 3 || len(p.holds) != 1 || p.holds[0].Version != "1.1.0" {
		t.Fatalf("ListUpstreamHolds(held, 2, 2) = %+v, want evil-pad@1.1.0", p)
	}

	decide := func(h core.UpstreamHold) error {
		return s.Update(t.Context(), func(tx store.Tx) error { return tx.DecideUpstreamHold(h) })
	}
	conf := a
	conf.State, conf.DecidedBy, conf.DecidedAt, conf.Decision, conf.Advisory = core.UpstreamConfirmed, "mod", suite.At(time.Hour), "steals tokens", "MAL-2026-1"
	if err := decide(conf); err != nil {
		t.Fatalf("DecideUpstreamHold: %v", err)
	}
	again := conf
	again.State = core.UpstreamReleased
	suite.WantErr(t, decide(again), core.ErrNotFound, "deciding a decided hold")
	suite.WantErr(t, decide(core.UpstreamHold{Ref: ref, Version: "9.9.9", State: core.UpstreamReleased}), core.ErrNotFound, "deciding a version never held")

	got := suite.Read(t, s, func(tx store.Tx) ([]core.UpstreamHold, error) { return tx.UpstreamHolds(ref) })
	if len(got) != 2 || got[0].Version != "1.0.0" || got[0].State != core.UpstreamConfirmed || got[0].DecidedBy != "mod" || got[0].Advisory != "MAL-2026-1" ||
		got[0].Decision != "steals tokens" || !got[0].DecidedAt.Equal(conf.DecidedAt.Truncate(time.Millisecond)) || got[1].State != core.UpstreamHeld || !got[1].DecidedAt.IsZero() {
		t.Fatalf("UpstreamHolds = %+v", got)
	}
	if p := list(core.UpstreamConfirmed, 10, 0); p.n != 1 || p.holds[0].Version != "1.0.0" {
		t.Fatalf("ListUpstreamHolds(confirmed) = %+v", p)
	}
}
