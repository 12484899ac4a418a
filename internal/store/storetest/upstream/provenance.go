package upstream

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunUpstreamProvenance runs the cases of store.UpstreamProvenance.
func RunUpstreamProvenance(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "DecidedOnce", F: testProvenanceDecidedOnce},
	})
}

// An outcome is recorded once per version (the first stays), read back
// with its facts and bundle, and listed per package without bundles.
func testProvenanceDecidedOnce(t *testing.T, s store.Store) {
	ref := core.PackageRef{Ecosystem: "npm", Name: "left-pad"}
	put := func(p core.UpstreamProvenance) error {
		return s.Update(t.Context(), func(tx store.Tx) error { return tx.PutUpstreamProvenance(p) })
	}
	ok := core.UpstreamProvenance{Ref: ref, Version: "1.0.0", Upstream: "npmjs", Integrity: "sha512-AAAA", State: core.UpstreamProvenanceVerified,
		Facts: &core.Provenance{SourceRepository: "https://github.com/a/b", Commit: "c0ffee"}, PredicateType: "https://slsa.dev/provenance/v1",
		Bundle: []byte(`{"mediaType":"x"}`), At: suite.At(time.Minute)}
	bad := core.UpstreamProvenance{Ref: ref, Version: "1.1.0", Upstream: "npmjs", Integrity: "sha512-BBBB", State: core.UpstreamProvenanceRefused,
		Reason: "its signature does not verify", At: suite.At(2 * time.Minute)}
	other := core.UpstreamProvenance{Ref: core.PackageRef{Ecosystem: "npm", Name: "other"}, Version: "1.0.0", Upstream: "npmjs", Integrity: "sha512-CCCC", State: core.UpstreamProvenanceRefused, Reason: "r", At: suite.At(time.Second)}
	for _, p := range []core.UpstreamProvenance{bad, ok, other} {
		if err := put(p); err != nil {
			t.Fatalf("PutUpstreamProvenance(%s@%s): %v", p.Ref.Name, p.Version, err)
		}
	}
	flipped := bad
	flipped.State, flipped.Reason = core.UpstreamProvenanceVerified, ""
	suite.WantErr(t, put(flipped), core.ErrConflict, "deciding a checked version again")

	got := suite.Read(t, s, func(tx store.Tx) (*core.UpstreamProvenance, error) { return tx.UpstreamProvenanceOf(ref, "1.0.0") })
	if got.State != ok.State || got.Facts == nil || got.Facts.SourceRepository != ok.Facts.SourceRepository || string(got.Bundle) != string(ok.Bundle) ||
		got.PredicateType != ok.PredicateType || got.Integrity != ok.Integrity || !got.At.Equal(ok.At.Truncate(time.Millisecond)) {
		t.Fatalf("UpstreamProvenanceOf(1.0.0) = %+v, want %+v", got, ok)
	}
	if got := suite.Read(t, s, func(tx store.Tx) (*core.UpstreamProvenance, error) { return tx.UpstreamProvenanceOf(ref, "1.1.0") }); got.State != core.UpstreamProvenanceRefused || got.Facts != nil || got.Reason != bad.Reason {
		t.Fatalf("UpstreamProvenanceOf(1.1.0) = %+v, want the first refusal kept", got)
	}
	err := s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.UpstreamProvenanceOf(ref, "9.9.9")
		return err
	})
	suite.WantErr(t, err, core.ErrNotFound, "an unchecked version")

	list := *suite.Read(t, s, func(tx store.Tx) (*[]core.UpstreamProvenance, error) {
		l, err := tx.UpstreamProvenances(ref)
		return &l, err
	})
	if len(list) != 2 || list[0].Version != "1.0.0" || list[1].Version != "1.1.0" || list[0].Bundle != nil || list[0].Facts == nil {
		t.Fatalf("UpstreamProvenances = %+v, want 1.0.0 (facts, no bundle) then 1.1.0", list)
	}
}
