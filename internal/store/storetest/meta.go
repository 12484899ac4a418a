package storetest

import (
	"testing"

	"github.com/rampart/rampart/internal/store"
)

// RunMeta runs the cases of store.Meta: the store's own key/value
// bookkeeping.
func RunMeta(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"RoundTrip", testMeta},
	})
}

func testMeta(t *testing.T, s store.Store) {
	get := func(key string) string {
		t.Helper()
		return read(t, s, func(tx store.Tx) (string, error) { return tx.GetMeta(key) })
	}
	wantNotFound(t, s, "GetMeta(unset)", func(tx store.Tx) (string, error) { return tx.GetMeta("storetest.a") })
	write(t, s, func(tx store.Tx) error {
		if err := tx.SetMeta("storetest.a", "one"); err != nil {
			return err
		}
		return tx.SetMeta("storetest.b", "")
	})
	if v := get("storetest.a"); v != "one" {
		t.Fatalf("GetMeta(a) = %q, want %q", v, "one")
	}
	if v := get("storetest.b"); v != "" {
		t.Fatalf("GetMeta(b) = %q, want the empty string", v)
	}
	write(t, s, func(tx store.Tx) error { return tx.SetMeta("storetest.a", "two") })
	if v := get("storetest.a"); v != "two" {
		t.Fatalf("GetMeta(a) after overwrite = %q, want %q", v, "two")
	}
	wantNotFound(t, s, "GetMeta(unset)", func(tx store.Tx) (string, error) { return tx.GetMeta("storetest.c") })
}
