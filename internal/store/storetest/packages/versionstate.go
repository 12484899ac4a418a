package packages

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// testVersionState: a version's hold (pending, quarantined) is stored
// with it, read back by Versions, Version and VersionFile, and changed
// by UpdateVersion, so that core.Servable decides from what the store
// returns; a version never held reads back live.
func testVersionState(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	live := suite.NewVersion(p, "1.0.0", alice.ID, suite.At(time.Hour))
	pending := suite.NewVersion(p, "2.0.0", alice.ID, suite.At(2*time.Hour))
	pending.Held = core.StatePending
	quarantined := suite.NewVersion(p, "3.0.0", alice.ID, suite.At(3*time.Hour))
	quarantined.Held = core.StateQuarantined
	for _, v := range []*core.Version{live, pending, quarantined} {
		suite.InsertVersion(t, s, v)
	}
	suite.CheckVersions(t, s, p, live, pending, quarantined)
	for _, want := range []*core.Version{live, pending, quarantined} {
		for name, get := range map[string]func(tx store.Tx) (*core.Version, error){
			"Version":     func(tx store.Tx) (*core.Version, error) { return tx.Version(p.ID, want.Version) },
			"VersionFile": func(tx store.Tx) (*core.Version, error) { return tx.VersionFile(p.ID, want.Version) },
		} {
			got := suite.Read(t, s, get)
			if got.Held != want.Held || got.State() != want.State() {
				t.Errorf("%s(%s): held %q, state %q; want %q, %q", name, want.Version, got.Held, got.State(), want.Held, want.State())
			}
		}
	}

	// Releasing a staged version, and quarantining a live one.
	rel := *pending
	rel.Held = ""
	q := *live
	q.Held = core.StateQuarantined
	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.UpdateVersion(&rel); err != nil {
			return err
		}
		return tx.UpdateVersion(&q)
	})
	suite.CheckVersions(t, s, p, &q, &rel, quarantined)
	if st := suite.Read(t, s, func(tx store.Tx) (*core.Version, error) { return tx.Version(p.ID, rel.Version) }).State(); st != core.StateLive {
		t.Errorf("released version: state %q, want live", st)
	}

	// Unpublishing a quarantined version: unpublished wins.
	gone := *quarantined
	gone.UnpublishedAt = suite.At(4 * time.Hour)
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(&gone) })
	if st := suite.Read(t, s, func(tx store.Tx) (*core.Version, error) { return tx.VersionFile(p.ID, gone.Version) }).State(); st != core.StateUnpublished {
		t.Errorf("unpublished quarantined version: state %q, want unpublished", st)
	}
}
