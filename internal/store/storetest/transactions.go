package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
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
		u := suite.NewUser("alice")
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		if err := tx.CreateToken(suite.NewToken(u, "storetest-key", suite.T0)); err != nil {
			return err
		}
		p := suite.NewPackage("storetest-pkg")
		if err := tx.CreatePackage(p); err != nil {
			return err
		}
		if err := tx.InsertVersion(suite.NewVersion(p, "1.0.0", u.ID, suite.T0, "dep")); err != nil {
			return err
		}
		if err := tx.SetDistTag(p.ID, "latest", "1.0.0"); err != nil {
			return err
		}
		if err := tx.AddMaintainer(p.ID, u.ID, suite.T0); err != nil {
			return err
		}
		if err := tx.AddDownloads(p.ID, suite.T0, 5); err != nil {
			return err
		}
		if err := tx.PutDocument(&core.Document{Name: p.Name, ETag: `"1"`, Full: []byte("{}"), FullGz: []byte("gz"), Abbrev: []byte("{}"), AbbrevGz: []byte("gz")}); err != nil {
			return err
		}
		if err := tx.AppendEvent(&core.Event{At: suite.T0, Type: core.EventPublish, Actor: u.Name, Package: p.Name, Version: "1.0.0", Data: json.RawMessage(`{}`)}); err != nil {
			return err
		}
		if err := tx.PutThrottle(&core.Throttle{Key: "storetest-throttle", Failures: 1, LastFailure: suite.T0}); err != nil {
			return err
		}
		if err := tx.CreateWebSession(&core.WebSession{IDHash: "storetest-session", UserID: u.ID, CreatedAt: suite.T0, ExpiresAt: suite.At(time.Hour)}); err != nil {
			return err
		}
		if err := tx.SetMeta("storetest.key", "value"); err != nil {
			return err
		}
		// What was written is visible inside the transaction.
		if _, err := tx.UserByName("alice"); err != nil {
			return fmt.Errorf("reading own write: %w", err)
		}
		return suite.ErrRollback
	})
	suite.WantErr(t, err, suite.ErrRollback, "Update whose function failed")
	suite.CheckEmpty(t, s)
	if n := suite.Read(t, s, func(tx store.Tx) (int, error) { return tx.Dependents("dep") }); n != 0 {
		t.Fatalf("Dependents(dep) after a rolled-back InsertVersion = %d, want 0", n)
	}
}

func testRollbackChanges(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	v := suite.NewVersion(p, "1.0.0", alice.ID, suite.T0)
	suite.InsertVersion(t, s, v)
	tk := suite.CreateToken(t, s, suite.NewToken(alice, "key-1", suite.T0))
	doc := &core.Document{Name: p.Name, ETag: `"1"`, Full: []byte(`{"v":1}`), FullGz: []byte("gz1"), Abbrev: []byte(`{"a":1}`), AbbrevGz: []byte("agz1")}
	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.SetDistTag(p.ID, "latest", "1.0.0"); err != nil {
			return err
		}
		if err := tx.AddMaintainer(p.ID, alice.ID, suite.T0); err != nil {
			return err
		}
		if err := tx.SetMeta("storetest.key", "before"); err != nil {
			return err
		}
		if err := tx.PutThrottle(&core.Throttle{Key: "storetest-throttle", Failures: 1, LastFailure: suite.T0}); err != nil {
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
		cv.Deprecated, cv.UnpublishedAt = "changed", suite.At(time.Hour)
		if err := tx.UpdateVersion(&cv); err != nil {
			return err
		}
		if err := tx.RevokeToken(alice.ID, tk.Key, suite.At(time.Hour)); err != nil {
			return err
		}
		if err := tx.SetDistTag(p.ID, "latest", "6.6.6"); err != nil {
			return err
		}
		if err := tx.AddMaintainer(p.ID, bob.ID, suite.T0); err != nil {
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
		return suite.ErrRollback
	})
	suite.WantErr(t, err, suite.ErrRollback, "Update whose function failed")

	got := suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	suite.CheckUser(t, "user after rolled-back UpdateUser", got, alice)
	gp := suite.Read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(p.Name)) })
	suite.CheckPackage(t, "package after rolled-back UpdatePackage", gp, p)
	suite.CheckVersions(t, s, p, v)
	gt := suite.Read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(tk.Hash) })
	suite.CheckToken(t, "token after rolled-back RevokeToken", gt, tk)
	suite.CheckTags(t, s, p, map[string]string{"latest": "1.0.0"})
	if got, want := suite.MaintainerNames(t, s, p), []string{"alice"}; !slices.Equal(got, want) {
		t.Fatalf("Maintainers after rolled-back changes = %q, want %q", got, want)
	}
	if got := suite.Read(t, s, func(tx store.Tx) (string, error) { return tx.GetMeta("storetest.key") }); got != "before" {
		t.Fatalf("GetMeta after rolled-back SetMeta = %q, want %q", got, "before")
	}
	th := suite.Read(t, s, func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle("storetest-throttle") })
	if th.Failures != 1 {
		t.Fatalf("throttle after rolled-back DeleteThrottle has %d failures, want 1", th.Failures)
	}
	suite.CheckDocument(t, s, doc)
}

func testViewSeesCommitted(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	got := suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByName("alice") })
	suite.CheckUser(t, "View after Update", got, alice)

	// A later Update sees the earlier one's data, and a View sees both.
	bob := suite.NewUser("bob")
	suite.Write(t, s, func(tx store.Tx) error {
		if _, err := tx.UserByName("alice"); err != nil {
			return err
		}
		return tx.CreateUser(bob)
	})
	if n := suite.Read(t, s, func(tx store.Tx) (int, error) { return tx.CountUsers() }); n != 2 {
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
	suite.WantNotFound(t, s, "GetMeta after a write in View", func(tx store.Tx) (string, error) { return tx.GetMeta("storetest.key") })
}
