package storetest

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// testDevices: a device is new once per user, and remembers its last
// sign-in.
func testDevices(t *testing.T, s store.Store) {
	a, b := createUser(t, s, "alice"), createUser(t, s, "bob")
	at := time.Date(2024, time.May, 1, 12, 0, 0, 0, time.UTC)
	touch := func(u *core.User, key string) bool {
		var isNew bool
		write(t, s, func(tx store.Tx) error {
			var err error
			isNew, err = tx.TouchDevice(u.ID, key, at)
			return err
		})
		return isNew
	}
	lastSeen := func(u *core.User, key string) (time.Time, error) {
		return readErr(t, s, func(tx store.Tx) (time.Time, error) { return tx.DeviceLastSeen(u.ID, key) })
	}
	wantNotFound(t, s, "DeviceLastSeen before any sign-in", func(tx store.Tx) (time.Time, error) { return tx.DeviceLastSeen(a.ID, "k1") })
	if !touch(a, "k1") {
		t.Fatal("first sign-in from k1 is not new")
	}
	if got, err := lastSeen(a, "k1"); err != nil || !got.Equal(at) {
		t.Fatalf("DeviceLastSeen after the first sign-in = %v, %v; want %v", got, err, at)
	}
	first := at
	at = at.Add(time.Hour)
	if touch(a, "k1") {
		t.Fatal("second sign-in from k1 is new")
	}
	if got, err := lastSeen(a, "k1"); err != nil || !got.Equal(at) {
		t.Fatalf("DeviceLastSeen after the second sign-in = %v, %v; want %v (the first was %v)", got, err, at, first)
	}
	wantNotFound(t, s, "DeviceLastSeen of another user's device", func(tx store.Tx) (time.Time, error) { return tx.DeviceLastSeen(b.ID, "k1") })
	if !touch(a, "k2") || !touch(b, "k1") {
		t.Fatal("another device, or the same device of another user, is not new")
	}
	var isNew bool
	err := s.Update(t.Context(), func(tx store.Tx) error {
		var err error
		if isNew, err = tx.TouchDevice(a.ID, "k3", at); err != nil {
			return err
		}
		return core.ErrConflict // roll back
	})
	wantErr(t, err, core.ErrConflict, "rolled-back Update")
	if !isNew || !touch(a, "k3") {
		t.Fatal("a rolled-back device was kept")
	}
}

// testRecoveries: one open recovery per user, found by user and by cancel
// hash, ended once.
func testRecoveries(t *testing.T, s store.Store) {
	a := createUser(t, s, "alice")
	start := time.Date(2024, time.May, 1, 12, 0, 0, 0, time.UTC)
	r := &core.Recovery{UserID: a.ID, Actor: "operator", Reason: "lost phone", CancelHash: "h1", StartedAt: start, EffectiveAt: start.Add(7 * 24 * time.Hour)}
	write(t, s, func(tx store.Tx) error { return tx.CreateRecovery(r) })
	if r.ID == 0 {
		t.Fatal("CreateRecovery did not set ID")
	}
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.CreateRecovery(&core.Recovery{UserID: a.ID, Actor: "x", CancelHash: "h2", StartedAt: start, EffectiveAt: start})
	})
	wantErr(t, err, core.ErrConflict, "a second open recovery")
	got := read(t, s, func(tx store.Tx) (*core.Recovery, error) { return tx.OpenRecovery(a.ID) })
	if *got != *r {
		t.Fatalf("OpenRecovery = %+v, want %+v", got, r)
	}
	got = read(t, s, func(tx store.Tx) (*core.Recovery, error) { return tx.RecoveryByCancel("h1") })
	if got.ID != r.ID {
		t.Fatalf("RecoveryByCancel = %+v", got)
	}
	_, err = readErr(t, s, func(tx store.Tx) (*core.Recovery, error) { return tx.RecoveryByCancel("nope") })
	wantErr(t, err, core.ErrNotFound, "RecoveryByCancel of an unknown hash")
	end := start.Add(time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.EndRecovery(r.ID, end, core.RecoveryCancelled) })
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.EndRecovery(r.ID, end.Add(time.Hour), core.RecoveryCompleted) })
	wantErr(t, err, core.ErrConflict, "ending a recovery twice")
	_, err = readErr(t, s, func(tx store.Tx) (*core.Recovery, error) { return tx.OpenRecovery(a.ID) })
	wantErr(t, err, core.ErrNotFound, "OpenRecovery after it ended")
	got = read(t, s, func(tx store.Tx) (*core.Recovery, error) { return tx.RecoveryByCancel("h1") })
	if !got.EndedAt.Equal(end) || got.Outcome != core.RecoveryCancelled {
		t.Fatalf("ended recovery = %+v", got)
	}
	write(t, s, func(tx store.Tx) error {
		return tx.CreateRecovery(&core.Recovery{UserID: a.ID, Actor: "operator", CancelHash: "h3", StartedAt: end, EffectiveAt: end})
	})
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.EndRecovery(9999, end, core.RecoveryCompleted) })
	wantErr(t, err, core.ErrNotFound, "ending an unknown recovery")
}
