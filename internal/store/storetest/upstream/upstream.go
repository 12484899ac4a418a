// Package upstream holds the conformance cases of the store's upstream
// proxy role: store.UpstreamPins.
package upstream

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunUpstreamPins runs the cases of store.UpstreamPins.
func RunUpstreamPins(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "FirstPinStays", F: testFirstPinStays},
	})
}

// Pins are read back per package; a second pin of a version is a
// conflict that keeps the first; another ecosystem is another package.
func testFirstPinStays(t *testing.T, s store.Store) {
	ref := core.PackageRef{Ecosystem: "npm", Name: "left-pad"}
	pin := func(p core.UpstreamPin) error {
		return s.Update(t.Context(), func(tx store.Tx) error { return tx.PinUpstream(p) })
	}
	a := core.UpstreamPin{Ref: ref, Version: "1.0.0", Upstream: "npmjs", Integrity: "sha512-AAAA", FirstSeen: suite.At(time.Minute)}
	b := core.UpstreamPin{Ref: ref, Version: "1.1.0", Upstream: "npmjs", Integrity: "sha512-BBBB", FirstSeen: suite.At(2 * time.Minute)}
	other := core.UpstreamPin{Ref: core.PackageRef{Ecosystem: "go", Name: "left-pad"}, Version: "1.0.0", Upstream: "proxy", Integrity: "h1:x", FirstSeen: suite.At(time.Hour)}
	for _, p := range []core.UpstreamPin{b, a, other} {
		if err := pin(p); err != nil {
			t.Fatalf("PinUpstream(%s@%s): %v", p.Ref.Name, p.Version, err)
		}
	}
	suite.WantErr(t, pin(core.UpstreamPin{Ref: ref, Version: "1.0.0", Upstream: "evil", Integrity: "sha512-EVIL", FirstSeen: suite.At(3 * time.Hour)}), core.ErrConflict, "pinning a pinned version again")
	got := suite.Read(t, s, func(tx store.Tx) ([]core.UpstreamPin, error) { return tx.UpstreamPins(ref) })
	if len(got) != 2 || got[0].Version != "1.0.0" || got[0].Integrity != "sha512-AAAA" || got[0].Upstream != "npmjs" ||
		!got[0].FirstSeen.Equal(a.FirstSeen.Truncate(time.Millisecond)) || got[1].Version != "1.1.0" {
		t.Fatalf("UpstreamPins = %+v, want 1.0.0 (first pin) and 1.1.0", got)
	}
	if none := suite.Read(t, s, func(tx store.Tx) ([]core.UpstreamPin, error) { return tx.UpstreamPins(core.PackageRef{Ecosystem: "npm", Name: "other"}) }); len(none) != 0 {
		t.Fatalf("UpstreamPins(other) = %+v, want none", none)
	}
}
