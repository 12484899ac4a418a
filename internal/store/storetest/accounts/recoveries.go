package accounts

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunRecoveries runs the cases of store.Recoveries: admin-assisted account
// recoveries.
func RunRecoveries(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"Lifecycle", testRecoveries},
	})
}

// testRecoveries: one open recovery per user, found by user and by cancel
// hash, ended once.
func testRecoveries(t *testing.T, s store.Store) {
	a := suite.CreateUser(t, s, "alice")
	start := time.Date(2024, time.May, 1, 12, 0, 0, 0, time.UTC)
	r := &core.Recovery{UserID: a.ID, Actor: "operator", Reason: "lost phone", CancelHash: "h1", StartedAt: start, EffectiveAt: start.Add(7 * 24 * time.Hour)}
	suite.Write(t, s, func(tx store.Tx) error { return tx.CreateRecovery(r) })
	if r.ID == 0 {
		t.Fatal("CreateRecovery did not set ID")
	}
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.CreateRecovery(&core.Recovery{UserID: a.ID, Actor: "x", CancelHash: "h2", StartedAt: start, EffectiveAt: start})
	})
	suite.WantErr(t, err, core.ErrConflict, "a second open recovery")
	got := suite.Read(t, s, func(tx store.Tx) (*core.Recovery, error) { return tx.OpenRecovery(a.ID) })
	if *got != *r {
		t.Fatalf("OpenRecovery = %+v, want %+v", got, r)
	}
	got = suite.Read(t, s, func(tx store.Tx) (*core.Recovery, error) { return tx.RecoveryByCancel("h1") })
	if got.ID != r.ID {
		t.Fatalf("RecoveryByCancel = %+v", got)
	}
	_, err = suite.ReadErr(t, s, func(tx store.Tx) (*core.Recovery, error) { return tx.RecoveryByCancel("nope") })
	suite.WantErr(t, err, core.ErrNotFound, "RecoveryByCancel of an unknown hash")
	end := start.Add(time.Hour)
	suite.Write(t, s, func(tx store.Tx) error { return tx.EndRecovery(r.ID, end, core.RecoveryCancelled) })
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.EndRecovery(r.ID, end.Add(time.Hour), core.RecoveryCompleted) })
	suite.WantErr(t, err, core.ErrConflict, "ending a recovery twice")
	_, err = suite.ReadErr(t, s, func(tx store.Tx) (*core.Recovery, error) { return tx.OpenRecovery(a.ID) })
	suite.WantErr(t, err, core.ErrNotFound, "OpenRecovery after it ended")
	got = suite.Read(t, s, func(tx store.Tx) (*core.Recovery, error) { return tx.RecoveryByCancel("h1") })
	if !got.EndedAt.Equal(end) || got.Outcome != core.RecoveryCancelled {
		t.Fatalf("ended recovery = %+v", got)
	}
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.CreateRecovery(&core.Recovery{UserID: a.ID, Actor: "operator", CancelHash: "h3", StartedAt: end, EffectiveAt: end})
	})
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.EndRecovery(9999, end, core.RecoveryCompleted) })
	suite.WantErr(t, err, core.ErrNotFound, "ending an unknown recovery")
}
