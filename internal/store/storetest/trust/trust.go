// Package trust holds the conformance cases of store.TrustedPublishers:
// trusted-publisher configurations (attached and pending), used ID
// tokens, the link from an exchanged token to its configuration, and the
// per-package trusted-only policy.
package trust

import (
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunTrustedPublishers runs the cases of store.TrustedPublishers.
func RunTrustedPublishers(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "Configurations", F: testConfigurations},
		{Name: "IDTokenReplay", F: testIDTokens},
		{Name: "TrustedTokens", F: testTrustedTokens},
		{Name: "TrustedOnly", F: testTrustedOnly},
	})
}

func checkPublisher(t *testing.T, what string, got, want *core.TrustedPublisher) {
	t.Helper()
	var d suite.Diffs
	d.Eq("ID", got.ID, want.ID)
	d.Eq("Package", got.Package, want.Package)
	d.Eq("Issuer", got.Issuer, want.Issuer)
	d.Eq("Claims", maps.Clone(got.Claims), maps.Clone(want.Claims))
	d.Eq("Stable", len(got.Stable) == 0 && len(want.Stable) == 0 || maps.Equal(got.Stable, want.Stable), true)
	d.Eq("Permissions", got.Permissions, want.Permissions)
	d.Eq("CreatedBy", got.CreatedBy, want.CreatedBy)
	d.Time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.Time("PendingUntil", got.PendingUntil, want.PendingUntil)
	d.Check(t, what)
}

// testConfigurations: configurations are stored and found by name (pending
// ones too, before their package exists) and by their creator while
// pending; an update attaches a pending one and records stable ids; a
// delete removes one and only one.
func testConfigurations(t *testing.T, s store.Store) {
	al := suite.CreateUser(t, s, "al")
	bo := suite.CreateUser(t, s, "bo")
	attached := &core.TrustedPublisher{Package: core.NPM("widget"), Issuer: "github",
		Claims:      map[string]string{"repository": "acme/widget", "workflow_ref.file": "publish.yml"},
		Permissions: []string{"createPackage"}, CreatedBy: al.ID, CreatedAt: suite.T0}
	pending := &core.TrustedPublisher{Package: core.NPM("@bo/new"), Issuer: "gitlab",
		Claims:      map[string]string{"project_path": "bo/new", "ci_config_ref_uri.file": ".gitlab-ci.yml", "environment": "prod"},
		Permissions: []string{"createPackage"}, CreatedBy: bo.ID, CreatedAt: suite.At(time.Minute), PendingUntil: suite.At(7 * 24 * time.Hour)}
	other := &core.TrustedPublisher{Package: core.NPM("widget"), Issuer: "forgejo",
		Claims: map[string]string{"repository": "acme/widget2", "workflow_ref.file": "ci.yml"}, Permissions: []string{"createPackage"},
		CreatedBy: al.ID, CreatedAt: suite.At(2 * time.Minute)}
	suite.Write(t, s, func(tx store.Tx) error {
		for _, tp := range []*core.TrustedPublisher{attached, pending, other} {
			if err := tx.CreateTrustedPublisher(tp); err != nil {
				return err
			}
		}
		return nil
	})
	if attached.ID == 0 || pending.ID == 0 || attached.ID == pending.ID {
		t.Fatalf("ids %d, %d: want distinct, set", attached.ID, pending.ID)
	}
	got := suite.Read(t, s, func(tx store.Tx) (*core.TrustedPublisher, error) { return tx.TrustedPublisherByID(pending.ID) })
	checkPublisher(t, "pending by id", got, pending)
	if !got.Pending() {
		t.Errorf("pending publisher reads as attached")
	}
	list := suite.Read(t, s, func(tx store.Tx) ([]core.TrustedPublisher, error) { return tx.TrustedPublishersFor(core.NPM("widget")) })
	if len(list) != 2 || list[0].ID != attached.ID || list[1].ID != other.ID {
		t.Fatalf("for widget: %+v, want the two in order", list)
	}
	checkPublisher(t, "widget's first", &list[0], attached)
	if l := suite.Read(t, s, func(tx store.Tx) ([]core.TrustedPublisher, error) {
		return tx.TrustedPublishersFor(core.NPM("@bo/new"))
	}); len(l) != 1 {
		t.Errorf("for the pending name: %d, want 1", len(l))
	}
	if l := suite.Read(t, s, func(tx store.Tx) ([]core.TrustedPublisher, error) { return tx.PendingPublishersBy(bo.ID) }); len(l) != 1 || l[0].ID != pending.ID {
		t.Errorf("bo's pending: %+v", l)
	}
	if l := suite.Read(t, s, func(tx store.Tx) ([]core.TrustedPublisher, error) { return tx.PendingPublishersBy(al.ID) }); len(l) != 0 {
		t.Errorf("al's pending: %+v, want none (al's are attached)", l)
	}

	pending.PendingUntil = time.Time{}
	pending.Stable = map[string]string{"project_id": "42"}
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateTrustedPublisher(pending) })
	got = suite.Read(t, s, func(tx store.Tx) (*core.TrustedPublisher, error) { return tx.TrustedPublisherByID(pending.ID) })
	checkPublisher(t, "attached", got, pending)

	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteTrustedPublisher(attached.ID) })
	suite.WantNotFound(t, s, "deleted", func(tx store.Tx) (*core.TrustedPublisher, error) { return tx.TrustedPublisherByID(attached.ID) })
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.DeleteTrustedPublisher(attached.ID) })
	suite.WantErr(t, err, core.ErrNotFound, "deleting twice")
	if l := suite.Read(t, s, func(tx store.Tx) ([]core.TrustedPublisher, error) { return tx.TrustedPublishersFor(core.NPM("widget")) }); len(l) != 1 || l[0].ID != other.ID {
		t.Errorf("after delete: %+v", l)
	}
}

// testIDTokens: an ID token is used once until it expires; the same jti
// from another issuer is another token.
func testIDTokens(t *testing.T, s store.Store) {
	exp := suite.At(10 * time.Minute)
	use := func(issuer, jti string, now time.Time) error {
		return s.Update(t.Context(), func(tx store.Tx) error { return tx.UseIDToken(issuer, jti, exp, now) })
	}
	if err := use("https://issuer.a", "j1", suite.T0); err != nil {
		t.Fatal(err)
	}
	if err := use("https://issuer.a", "j1", suite.At(time.Minute)); !errors.Is(err, core.ErrConflict) {
		t.Errorf("replay: %v, want ErrConflict", err)
	}
	if err := use("https://issuer.b", "j1", suite.At(time.Minute)); err != nil {
		t.Errorf("same jti, other issuer: %v", err)
	}
	// After it expired the record may go; a use then is not a conflict
	// (the token's exp refuses it before the store is asked).
	if err := use("https://issuer.a", "j1", suite.At(11*time.Minute)); err != nil {
		t.Errorf("after expiry: %v", err)
	}
}

// testTrustedTokens: the link from a token to its configuration.
func testTrustedTokens(t *testing.T, s store.Store) {
	al := suite.CreateUser(t, s, "al")
	tk := suite.CreateToken(t, s, suite.NewToken(al, "k1", suite.T0))
	tt := &core.TrustedToken{TokenID: tk.ID, PublisherID: 7, Package: core.NPM("widget"), Issuer: "github", Subject: "repo:acme/widget:ref:refs/heads/main", Pending: true}
	suite.Write(t, s, func(tx store.Tx) error { return tx.RecordTrustedToken(tt) })
	got := suite.Read(t, s, func(tx store.Tx) (*core.TrustedToken, error) { return tx.TrustedTokenByID(tk.ID) })
	if *got != *tt {
		t.Errorf("got %+v, want %+v", got, tt)
	}
	suite.WantNotFound(t, s, "another token", func(tx store.Tx) (*core.TrustedToken, error) { return tx.TrustedTokenByID(tk.ID + 100) })
}

// testTrustedOnly: off until set, per package, and can be turned off again.
func testTrustedOnly(t *testing.T, s store.Store) {
	get := func(name string) bool {
		return suite.Read(t, s, func(tx store.Tx) (bool, error) { return tx.TrustedOnly(core.NPM(name)) })
	}
	if get("widget") {
		t.Fatal("on before it was set")
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetTrustedOnly(core.NPM("widget"), true, suite.T0) })
	if !get("widget") || get("gadget") {
		t.Errorf("after set: widget %v, gadget %v", get("widget"), get("gadget"))
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetTrustedOnly(core.NPM("widget"), false, suite.At(time.Hour)) })
	if get("widget") {
		t.Error("still on after turning it off")
	}
}
