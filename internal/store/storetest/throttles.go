package storetest

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// RunThrottles runs the cases of store.Throttles: failure counters.
func RunThrottles(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"RoundTrip", testThrottles},
	})
}

func checkThrottle(t *testing.T, s store.Store, want *core.Throttle) {
	t.Helper()
	got := read(t, s, func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle(want.Key) })
	var d diffs
	d.eq("Key", got.Key, want.Key)
	d.eq("Failures", got.Failures, want.Failures)
	d.time("LastFailure", got.LastFailure, want.LastFailure)
	d.time("BlockedUntil", got.BlockedUntil, want.BlockedUntil)
	d.check(t, "Throttle("+want.Key+")")
}

func testThrottles(t *testing.T, s store.Store) {
	const key = "login:alice"
	wantNotFound(t, s, "Throttle when clean", func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle(key) })

	th := &core.Throttle{Key: key, Failures: 1, LastFailure: at(time.Second)}
	other := &core.Throttle{Key: "ip:192.0.2.1", Failures: 9, LastFailure: at(time.Minute), BlockedUntil: at(time.Hour)}
	write(t, s, func(tx store.Tx) error {
		if err := tx.PutThrottle(th); err != nil {
			return err
		}
		return tx.PutThrottle(other)
	})
	checkThrottle(t, s, th)
	checkThrottle(t, s, other)

	th2 := &core.Throttle{Key: key, Failures: 5, LastFailure: at(2 * time.Second), BlockedUntil: at(15 * time.Minute).In(time.FixedZone("X", -3600))}
	write(t, s, func(tx store.Tx) error { return tx.PutThrottle(th2) })
	checkThrottle(t, s, th2)

	write(t, s, func(tx store.Tx) error { return tx.DeleteThrottle(key) })
	wantNotFound(t, s, "Throttle after DeleteThrottle", func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle(key) })
	checkThrottle(t, s, other)
	write(t, s, func(tx store.Tx) error { return tx.DeleteThrottle(other.Key) })
	wantNotFound(t, s, "Throttle after DeleteThrottle", func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle(other.Key) })
}
