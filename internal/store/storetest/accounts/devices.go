package accounts

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunDevices runs the cases of store.Devices: devices and networks users
// signed in from.
func RunDevices(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"Touch", testDevices},
	})
}

// testDevices: a device is new once per user, and remembers its last
// sign-in.
func testDevices(t *testing.T, s store.Store) {
	a, b := suite.CreateUser(t, s, "alice"), suite.CreateUser(t, s, "bob")
	at := time.Date(2024, time.May, 1, 12, 0, 0, 0, time.UTC)
	touch := func(u *core.User, key string) bool {
		var isNew bool
		suite.Write(t, s, func(tx store.Tx) error {
			var err error
			isNew, err = tx.TouchDevice(u.ID, key, at)
			return err
		})
		return isNew
	}
	lastSeen := func(u *core.User, key string) (time.Time, error) {
		return suite.ReadErr(t, s, func(tx store.Tx) (time.Time, error) { return tx.DeviceLastSeen(u.ID, key) })
	}
	suite.WantNotFound(t, s, "DeviceLastSeen before any sign-in", func(tx store.Tx) (time.Time, error) { return tx.DeviceLastSeen(a.ID, "k1") })
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
	suite.WantNotFound(t, s, "DeviceLastSeen of another user's device", func(tx store.Tx) (time.Time, error) { return tx.DeviceLastSeen(b.ID, "k1") })
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
	suite.WantErr(t, err, core.ErrConflict, "rolled-back Update")
	if !isNew || !touch(a, "k3") {
		t.Fatal("a rolled-back device was kept")
	}
}
