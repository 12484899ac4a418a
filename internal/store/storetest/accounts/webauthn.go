package accounts

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunWebAuthn runs the cases of store.WebAuthn: security keys, passkeys
// and ceremonies.
func RunWebAuthn(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"Credentials", testWebAuthnCredentials},
		{"Ceremonies", testWebAuthnCeremonies},
	})
}

func testWebAuthnCredentials(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	c1 := &core.WebAuthnCredential{UserID: alice.ID, CredentialID: []byte{1, 2, 3}, UserHandle: []byte("handle-a"), Name: "YubiKey", SignCount: 5, Transports: []string{"usb", "nfc"}, Data: []byte(`{"x":1}`), CreatedAt: suite.At(time.Minute)}
	c2 := &core.WebAuthnCredential{UserID: alice.ID, CredentialID: []byte{4, 5}, UserHandle: []byte("handle-a"), Name: "Laptop passkey", Discoverable: true, Transports: []string{"hybrid", "internal"}, Data: []byte(`{}`), CreatedAt: suite.At(2 * time.Minute)}
	suite.Write(t, s, func(tx store.Tx) error { return tx.CreateWebAuthnCredential(c1) })
	suite.Write(t, s, func(tx store.Tx) error { return tx.CreateWebAuthnCredential(c2) })
	if c1.ID == 0 || c2.ID == 0 || c1.ID == c2.ID {
		t.Fatalf("IDs not set: %d %d", c1.ID, c2.ID)
	}
	dup := &core.WebAuthnCredential{UserID: bob.ID, CredentialID: []byte{1, 2, 3}, UserHandle: []byte("b"), Name: "x", Data: []byte(`{}`), CreatedAt: suite.T0}
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateWebAuthnCredential(dup) })
	suite.WantErr(t, err, core.ErrConflict, "the same credential ID twice")

	list := suite.Read(t, s, func(tx store.Tx) ([]core.WebAuthnCredential, error) { return tx.WebAuthnCredentials(alice.ID) })
	if len(list) != 2 || list[0].Name != "YubiKey" || list[1].Name != "Laptop passkey" {
		t.Fatalf("WebAuthnCredentials = %+v", list)
	}
	got := list[0]
	if !bytes.Equal(got.CredentialID, c1.CredentialID) || !bytes.Equal(got.UserHandle, c1.UserHandle) || got.SignCount != 5 ||
		!slices.Equal(got.Transports, c1.Transports) || string(got.Data) != `{"x":1}` || !suite.SameTimeOf(got.CreatedAt, c1.CreatedAt) || got.Discoverable {
		t.Fatalf("credential read back as %+v", got)
	}
	// The passkey has transports of its own, so that a backend that keeps
	// them only for some credentials, or mixes them up, fails here.
	if !list[1].Discoverable || !slices.Equal(list[1].Transports, c2.Transports) {
		t.Fatalf("passkey read back as %+v, want transports %q", list[1], c2.Transports)
	}
	// An authenticator may report no transports: that is stored and read
	// back as none.
	carol := suite.CreateUser(t, s, "carol")
	bare := &core.WebAuthnCredential{UserID: carol.ID, CredentialID: []byte{7}, UserHandle: []byte("handle-c"), Name: "Old key", Data: []byte(`{}`), CreatedAt: suite.T0}
	suite.Write(t, s, func(tx store.Tx) error { return tx.CreateWebAuthnCredential(bare) })
	back := suite.Read(t, s, func(tx store.Tx) (*core.WebAuthnCredential, error) {
		return tx.WebAuthnCredentialByID(bare.CredentialID)
	})
	if len(back.Transports) != 0 {
		t.Fatalf("a credential stored without transports reads back with %q", back.Transports)
	}
	if none := suite.Read(t, s, func(tx store.Tx) ([]core.WebAuthnCredential, error) { return tx.WebAuthnCredentials(bob.ID) }); len(none) != 0 {
		t.Fatalf("bob has %d credentials", len(none))
	}
	if !suite.Read(t, s, func(tx store.Tx) (bool, error) { return tx.HasWebAuthnCredentials(alice.ID) }) {
		t.Fatal("HasWebAuthnCredentials(alice) = false")
	}
	if suite.Read(t, s, func(tx store.Tx) (bool, error) { return tx.HasWebAuthnCredentials(bob.ID) }) {
		t.Fatal("HasWebAuthnCredentials(bob) = true")
	}
	byID := suite.Read(t, s, func(tx store.Tx) (*core.WebAuthnCredential, error) { return tx.WebAuthnCredentialByID([]byte{4, 5}) })
	if byID.ID != c2.ID {
		t.Fatalf("WebAuthnCredentialByID = %d, want %d", byID.ID, c2.ID)
	}
	suite.WantNotFound(t, s, "WebAuthnCredentialByID(unknown)", func(tx store.Tx) (*core.WebAuthnCredential, error) { return tx.WebAuthnCredentialByID([]byte{9}) })

	// The sign count moves by compare-and-swap.
	suite.Write(t, s, func(tx store.Tx) error { return tx.UseWebAuthnCredential(c1.ID, 5, 7, suite.At(time.Hour)) })
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.UseWebAuthnCredential(c1.ID, 5, 6, suite.At(time.Hour)) })
	suite.WantErr(t, err, core.ErrConflict, "UseWebAuthnCredential from a stale count")
	got = *suite.Read(t, s, func(tx store.Tx) (*core.WebAuthnCredential, error) { return tx.WebAuthnCredentialByID(c1.CredentialID) })
	if got.SignCount != 7 || !suite.SameTimeOf(got.LastUsedAt, suite.At(time.Hour)) || !slices.Equal(got.Transports, c1.Transports) {
		t.Fatalf("after use: count %d, last used %v, transports %q", got.SignCount, got.LastUsedAt, got.Transports)
	}
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.UseWebAuthnCredential(999, 0, 1, suite.T0) })
	suite.WantErr(t, err, core.ErrNotFound, "UseWebAuthnCredential(unknown)")

	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.DeleteWebAuthnCredential(bob.ID, c1.ID) })
	suite.WantErr(t, err, core.ErrNotFound, "deleting another user's credential")
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteWebAuthnCredential(alice.ID, c1.ID) })
	if list := suite.Read(t, s, func(tx store.Tx) ([]core.WebAuthnCredential, error) { return tx.WebAuthnCredentials(alice.ID) }); len(list) != 1 {
		t.Fatalf("after delete: %d credentials", len(list))
	}
}

func testWebAuthnCeremonies(t *testing.T, s store.Store) {
	c := &core.WebAuthnCeremony{IDHash: "h1", UserID: 3, Kind: "register", Data: []byte(`{"challenge":"x"}`), ExpiresAt: suite.At(5 * time.Minute)}
	suite.Write(t, s, func(tx store.Tx) error { return tx.PutWebAuthnCeremony(c) })
	var got *core.WebAuthnCeremony
	suite.Write(t, s, func(tx store.Tx) (err error) { got, err = tx.TakeWebAuthnCeremony("h1"); return err })
	if got.UserID != 3 || got.Kind != "register" || string(got.Data) != string(c.Data) || !suite.SameTimeOf(got.ExpiresAt, c.ExpiresAt) {
		t.Fatalf("ceremony read back as %+v", got)
	}
	err := s.Update(t.Context(), func(tx store.Tx) error { _, err := tx.TakeWebAuthnCeremony("h1"); return err })
	suite.WantErr(t, err, core.ErrNotFound, "TakeWebAuthnCeremony twice")
}
