package storetest

import (
	"testing"

	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
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
		return suite.Read(t, s, func(tx store.Tx) (string, error) { return tx.GetMeta(key) })
	}
	suite.WantNotFound(t, s, "GetMeta(unset)", func(tx store.Tx) (string, error) { return tx.GetMeta("storetest.a") })
	suite.Write(t, s, func(tx store.Tx) error {
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
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetMeta("storetest.a", "two") })
	if v := get("storetest.a"); v != "two" {
		t.Fatalf("GetMeta(a) after overwrite = %q, want %q", v, "two")
	}
	suite.WantNotFound(t, s, "GetMeta(unset)", func(tx store.Tx) (string, error) { return tx.GetMeta("storetest.c") })
}
