package accounts

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunThrottles runs the cases of store.Throttles: failure counters.
func RunThrottles(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"RoundTrip", testThrottles},
	})
}

func checkThrottle(t *testing.T, s store.Store, want *core.Throttle) {
	t.Helper()
	got := suite.Read(t, s, func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle(want.Key) })
	var d suite.Diffs
	d.Eq("Key", got.Key, want.Key)
	d.Eq("Failures", got.Failures, want.Failures)
	d.Time("LastFailure", got.LastFailure, want.LastFailure)
	d.Time("BlockedUntil", got.BlockedUntil, want.BlockedUntil)
	d.Check(t, "Throttle("+want.Key+")")
}

func testThrottles(t *testing.T, s store.Store) {
	const key = "login:alice"
	suite.WantNotFound(t, s, "Throttle when clean", func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle(key) })

	th := &core.Throttle{Key: key, Failures: 1, LastFailure: suite.At(time.Second)}
	other := &core.Throttle{Key: "ip:192.0.2.1", Failures: 9, LastFailure: suite.At(time.Minute), BlockedUntil: suite.At(time.Hour)}
	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.PutThrottle(th); err != nil {
			return err
		}
		return tx.PutThrottle(other)
	})
	checkThrottle(t, s, th)
	checkThrottle(t, s, other)

	th2 := &core.Throttle{Key: key, Failures: 5, LastFailure: suite.At(2 * time.Second), BlockedUntil: suite.At(15 * time.Minute).In(time.FixedZone("X", -3600))}
	suite.Write(t, s, func(tx store.Tx) error { return tx.PutThrottle(th2) })
	checkThrottle(t, s, th2)

	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteThrottle(key) })
	suite.WantNotFound(t, s, "Throttle after DeleteThrottle", func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle(key) })
	checkThrottle(t, s, other)
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteThrottle(other.Key) })
	suite.WantNotFound(t, s, "Throttle after DeleteThrottle", func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle(other.Key) })
}
