package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// RunTransactions runs the cases of the contract of Store.Update and
// Store.View: rollback, isolation, read-only views.
func RunTransactions(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"RollbackNewData", testRollbackNewData},
		{"RollbackChanges", testRollbackChanges},
		{"ViewSeesCommitted", testViewSeesCommitted},
		{"ViewIsReadOnly", testViewIsReadOnly},
	})
}

func testRollbackNewData(t *testing.T, s store.Store) {
	err := s.Update(t.Context(), func(tx store.Tx) error {
		u := newUser("alice")
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		if err := tx.CreateToken(newToken(u, "storetest-key", t0)); err != nil {
			return err
		}
		p := newPackage("storetest-pkg")
		if err := tx.CreatePackage(p); err != nil {
			return err
		}
		if err := tx.InsertVersion(newVersion(p, "1.0.0", u.ID, t0, "dep")); err != nil {
			return err
		}
		if err := tx.SetDistTag(p.ID, "latest", "1.0.0"); err != nil {
			return err
		}
		if err := tx.AddMaintainer(p.ID, u.ID, t0); err != nil {
			return err
		}
		if err := tx.AddDownloads(p.ID, t0, 5); err != nil {
			return err
		}
		if err := tx.PutDocument(&core.Document{Name: p.Name, ETag: `"1"`, Full: []byte("{}"), FullGz: []byte("gz"), Abbrev: []byte("{}"), AbbrevGz: []byte("gz")}); err != nil {
			return err
		}
		if err := tx.AppendEvent(&core.Event{At: t0, Type: core.EventPublish, Actor: u.Name, Package: p.Name, Version: "1.0.0", Data: json.RawMessage(`{}`)}); err != nil {
			return err
		}
		if err := tx.PutThrottle(&core.Throttle{Key: "storetest-throttle", Failures: 1, LastFailure: t0}); err != nil {
			return err
		}
		if err := tx.CreateWebSession(&core.WebSession{IDHash: "storetest-session", UserID: u.ID, CreatedAt: t0, ExpiresAt: at(time.Hour)}); err != nil {
			return err
		}
		if err := tx.SetMeta("storetest.key", "value"); err != nil {
			return err
		}
		// What was written is visible inside the transaction.
		if _, err := tx.UserByName("alice"); err != nil {
			return fmt.Errorf("reading own write: %w", err)
		}
		return errRollback
	})
	wantErr(t, err, errRollback, "Update whose function failed")
	checkEmpty(t, s)
	if n := read(t, s, func(tx store.Tx) (int, error) { return tx.Dependents("dep") }); n != 0 {
		t.Fatalf("Dependents(dep) after a rolled-back InsertVersion = %d, want 0", n)
	}
}

func testRollbackChanges(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	p := createPackage(t, s, newPackage("left-pad"))
	v := newVersion(p, "1.0.0", alice.ID, t0)
	insertVersion(t, s, v)
	tk := createToken(t, s, newToken(alice, "key-1", t0))
	doc := &core.Document{Name: p.Name, ETag: `"1"`, Full: []byte(`{"v":1}`), FullGz: []byte("gz1"), Abbrev: []byte(`{"a":1}`), AbbrevGz: []byte("agz1")}
	write(t, s, func(tx store.Tx) error {
		if err := tx.SetDistTag(p.ID, "latest", "1.0.0"); err != nil {
			return err
		}
		if err := tx.AddMaintainer(p.ID, alice.ID, t0); err != nil {
			return err
		}
		if err := tx.SetMeta("storetest.key", "before"); err != nil {
			return err
		}
		if err := tx.PutThrottle(&core.Throttle{Key: "storetest-throttle", Failures: 1, LastFailure: t0}); err != nil {
			return err
		}
		return tx.PutDocument(doc)
	})

	err := s.Update(t.Context(), func(tx store.Tx) error {
		changed := *alice
		changed.Email, changed.Admin = "changed@example.com", true
		if err := tx.UpdateUser(&changed); err != nil {
			return err
		}
		cp := *p
		cp.Rev, cp.Description = 99, "changed"
		if err := tx.UpdatePackage(&cp); err != nil {
			return err
		}
		cv := *v
		cv.Deprecated, cv.UnpublishedAt = "changed", at(time.Hour)
		if err := tx.UpdateVersion(&cv); err != nil {
			return err
		}
		if err := tx.RevokeToken(alice.ID, tk.Key, at(time.Hour)); err != nil {
			return err
		}
		if err := tx.SetDistTag(p.ID, "latest", "6.6.6"); err != nil {
			return err
		}
		if err := tx.AddMaintainer(p.ID, bob.ID, t0); err != nil {
			return err
		}
		if err := tx.RemoveMaintainer(p.ID, alice.ID); err != nil {
			return err
		}
		if err := tx.SetMeta("storetest.key", "after"); err != nil {
			return err
		}
		if err := tx.DeleteThrottle("storetest-throttle"); err != nil {
			return err
		}
		if err := tx.DeleteDocument(p.Name); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, err, errRollback, "Update whose function failed")

	got := read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	checkUser(t, "user after rolled-back UpdateUser", got, alice)
	gp := read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(p.Name)) })
	checkPackage(t, "package after rolled-back UpdatePackage", gp, p)
	checkVersions(t, s, p, v)
	gt := read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(tk.Hash) })
	checkToken(t, "token after rolled-back RevokeToken", gt, tk)
	checkTags(t, s, p, map[string]string{"latest": "1.0.0"})
	if got, want := maintainerNames(t, s, p), []string{"alice"}; !slices.Equal(got, want) {
		t.Fatalf("Maintainers after rolled-back changes = %q, want %q", got, want)
	}
	if got := read(t, s, func(tx store.Tx) (string, error) { return tx.GetMeta("storetest.key") }); got != "before" {
		t.Fatalf("GetMeta after rolled-back SetMeta = %q, want %q", got, "before")
	}
	th := read(t, s, func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle("storetest-throttle") })
	if th.Failures != 1 {
		t.Fatalf("throttle after rolled-back DeleteThrottle has %d failures, want 1", th.Failures)
	}
	checkDocument(t, s, doc)
}

func testViewSeesCommitted(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	got := read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByName("alice") })
	checkUser(t, "View after Update", got, alice)

	// A later Update sees the earlier one's data, and a View sees both.
	bob := newUser("bob")
	write(t, s, func(tx store.Tx) error {
		if _, err := tx.UserByName("alice"); err != nil {
			return err
		}
		return tx.CreateUser(bob)
	})
	if n := read(t, s, func(tx store.Tx) (int, error) { return tx.CountUsers() }); n != 2 {
		t.Fatalf("CountUsers = %d, want 2", n)
	}
}

func testViewIsReadOnly(t *testing.T, s store.Store) {
	// A write inside View may fail or be refused at commit; either way it
	// must not persist.
	_ = s.View(t.Context(), func(tx store.Tx) error {
		_ = tx.SetMeta("storetest.key", "written in a view")
		return nil
	})
	wantNotFound(t, s, "GetMeta after a write in View", func(tx store.Tx) (string, error) { return tx.GetMeta("storetest.key") })
}
