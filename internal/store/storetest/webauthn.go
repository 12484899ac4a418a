package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// ---- WebAuthn credentials, ceremonies and npm web logins ----

func testWebAuthnCredentials(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	c1 := &core.WebAuthnCredential{UserID: alice.ID, CredentialID: []byte{1, 2, 3}, UserHandle: []byte("handle-a"), Name: "YubiKey", SignCount: 5, Transports: []string{"usb", "nfc"}, Data: []byte(`{"x":1}`), CreatedAt: at(time.Minute)}
	c2 := &core.WebAuthnCredential{UserID: alice.ID, CredentialID: []byte{4, 5}, UserHandle: []byte("handle-a"), Name: "Laptop passkey", Discoverable: true, Transports: []string{"hybrid", "internal"}, Data: []byte(`{}`), CreatedAt: at(2 * time.Minute)}
	write(t, s, func(tx store.Tx) error { return tx.CreateWebAuthnCredential(c1) })
	write(t, s, func(tx store.Tx) error { return tx.CreateWebAuthnCredential(c2) })
	if c1.ID == 0 || c2.ID == 0 || c1.ID == c2.ID {
		t.Fatalf("IDs not set: %d %d", c1.ID, c2.ID)
	}
	dup := &core.WebAuthnCredential{UserID: bob.ID, CredentialID: []byte{1, 2, 3}, UserHandle: []byte("b"), Name: "x", Data: []byte(`{}`), CreatedAt: t0}
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateWebAuthnCredential(dup) })
	wantErr(t, err, core.ErrConflict, "the same credential ID twice")

	list := read(t, s, func(tx store.Tx) ([]core.WebAuthnCredential, error) { return tx.WebAuthnCredentials(alice.ID) })
	if len(list) != 2 || list[0].Name != "YubiKey" || list[1].Name != "Laptop passkey" {
		t.Fatalf("WebAuthnCredentials = %+v", list)
	}
	got := list[0]
	if !bytes.Equal(got.CredentialID, c1.CredentialID) || !bytes.Equal(got.UserHandle, c1.UserHandle) || got.SignCount != 5 ||
		!slices.Equal(got.Transports, c1.Transports) || string(got.Data) != `{"x":1}` || !sameTimeOf(got.CreatedAt, c1.CreatedAt) || got.Discoverable {
		t.Fatalf("credential read back as %+v", got)
	}
	// The passkey has transports of its own, so that a backend that keeps
	// them only for some credentials, or mixes them up, fails here.
	if !list[1].Discoverable || !slices.Equal(list[1].Transports, c2.Transports) {
		t.Fatalf("passkey read back as %+v, want transports %q", list[1], c2.Transports)
	}
	// An authenticator may report no transports: that is stored and read
	// back as none.
	carol := createUser(t, s, "carol")
	bare := &core.WebAuthnCredential{UserID: carol.ID, CredentialID: []byte{7}, UserHandle: []byte("handle-c"), Name: "Old key", Data: []byte(`{}`), CreatedAt: t0}
	write(t, s, func(tx store.Tx) error { return tx.CreateWebAuthnCredential(bare) })
	back := read(t, s, func(tx store.Tx) (*core.WebAuthnCredential, error) {
		return tx.WebAuthnCredentialByID(bare.CredentialID)
	})
	if len(back.Transports) != 0 {
		t.Fatalf("a credential stored without transports reads back with %q", back.Transports)
	}
	if none := read(t, s, func(tx store.Tx) ([]core.WebAuthnCredential, error) { return tx.WebAuthnCredentials(bob.ID) }); len(none) != 0 {
		t.Fatalf("bob has %d credentials", len(none))
	}
	if !read(t, s, func(tx store.Tx) (bool, error) { return tx.HasWebAuthnCredentials(alice.ID) }) {
		t.Fatal("HasWebAuthnCredentials(alice) = false")
	}
	if read(t, s, func(tx store.Tx) (bool, error) { return tx.HasWebAuthnCredentials(bob.ID) }) {
		t.Fatal("HasWebAuthnCredentials(bob) = true")
	}
	byID := read(t, s, func(tx store.Tx) (*core.WebAuthnCredential, error) { return tx.WebAuthnCredentialByID([]byte{4, 5}) })
	if byID.ID != c2.ID {
		t.Fatalf("WebAuthnCredentialByID = %d, want %d", byID.ID, c2.ID)
	}
	wantNotFound(t, s, "WebAuthnCredentialByID(unknown)", func(tx store.Tx) (*core.WebAuthnCredential, error) { return tx.WebAuthnCredentialByID([]byte{9}) })

	// The sign count moves by compare-and-swap.
	write(t, s, func(tx store.Tx) error { return tx.UseWebAuthnCredential(c1.ID, 5, 7, at(time.Hour)) })
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.UseWebAuthnCredential(c1.ID, 5, 6, at(time.Hour)) })
	wantErr(t, err, core.ErrConflict, "UseWebAuthnCredential from a stale count")
	got = *read(t, s, func(tx store.Tx) (*core.WebAuthnCredential, error) { return tx.WebAuthnCredentialByID(c1.CredentialID) })
	if got.SignCount != 7 || !sameTimeOf(got.LastUsedAt, at(time.Hour)) || !slices.Equal(got.Transports, c1.Transports) {
		t.Fatalf("after use: count %d, last used %v, transports %q", got.SignCount, got.LastUsedAt, got.Transports)
	}
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.UseWebAuthnCredential(999, 0, 1, t0) })
	wantErr(t, err, core.ErrNotFound, "UseWebAuthnCredential(unknown)")

	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.DeleteWebAuthnCredential(bob.ID, c1.ID) })
	wantErr(t, err, core.ErrNotFound, "deleting another user's credential")
	write(t, s, func(tx store.Tx) error { return tx.DeleteWebAuthnCredential(alice.ID, c1.ID) })
	if list := read(t, s, func(tx store.Tx) ([]core.WebAuthnCredential, error) { return tx.WebAuthnCredentials(alice.ID) }); len(list) != 1 {
		t.Fatalf("after delete: %d credentials", len(list))
	}
}

func testWebAuthnCeremonies(t *testing.T, s store.Store) {
	c := &core.WebAuthnCeremony{IDHash: "h1", UserID: 3, Kind: "register", Data: []byte(`{"challenge":"x"}`), ExpiresAt: at(5 * time.Minute)}
	write(t, s, func(tx store.Tx) error { return tx.PutWebAuthnCeremony(c) })
	var got *core.WebAuthnCeremony
	write(t, s, func(tx store.Tx) (err error) { got, err = tx.TakeWebAuthnCeremony("h1"); return err })
	if got.UserID != 3 || got.Kind != "register" || string(got.Data) != string(c.Data) || !sameTimeOf(got.ExpiresAt, c.ExpiresAt) {
		t.Fatalf("ceremony read back as %+v", got)
	}
	err := s.Update(t.Context(), func(tx store.Tx) error { _, err := tx.TakeWebAuthnCeremony("h1"); return err })
	wantErr(t, err, core.ErrNotFound, "TakeWebAuthnCeremony twice")
}

func testCLILogins(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	l := &core.CLILogin{DoneHash: "done1", LoginHash: "login1", Addr: "192.0.2.1", CreatedAt: t0, ExpiresAt: at(10 * time.Minute)}
	write(t, s, func(tx store.Tx) error { return tx.CreateCLILogin(l) })
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.CreateCLILogin(&core.CLILogin{DoneHash: "done2", LoginHash: "login1", CreatedAt: t0, ExpiresAt: t0})
	})
	wantErr(t, err, core.ErrConflict, "a login hash twice")
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.CollectCLILogin("done1", at(time.Minute)) })
	wantErr(t, err, core.ErrConflict, "collecting before approval")

	write(t, s, func(tx store.Tx) error {
		return tx.ApproveCLILogin("login1", alice.ID, at(time.Minute), at(time.Second), true)
	})
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.ApproveCLILogin("login1", 99, at(2*time.Minute), t0, false) })
	wantErr(t, err, core.ErrConflict, "approving twice")
	got := read(t, s, func(tx store.Tx) (*core.CLILogin, error) { return tx.CLILoginByDone("done1") })
	if got.LoginHash != "login1" || got.Addr != "192.0.2.1" || got.UserID != alice.ID || !sameTimeOf(got.ApprovedAt, at(time.Minute)) ||
		!sameTimeOf(got.MFAVerifiedAt, at(time.Second)) || !got.PhishingResistant || !sameTimeOf(got.ExpiresAt, l.ExpiresAt) || !got.CollectedAt.IsZero() {
		t.Fatalf("CLI login read back as %+v", got)
	}
	write(t, s, func(tx store.Tx) error { return tx.CollectCLILogin("done1", at(3*time.Minute)) })
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.CollectCLILogin("done1", at(4*time.Minute)) })
	wantErr(t, err, core.ErrConflict, "collecting twice")
	got = read(t, s, func(tx store.Tx) (*core.CLILogin, error) { return tx.CLILoginByLogin("login1") })
	if !sameTimeOf(got.CollectedAt, at(3*time.Minute)) {
		t.Fatalf("CollectedAt = %v", got.CollectedAt)
	}
	wantNotFound(t, s, "CLILoginByDone(unknown)", func(tx store.Tx) (*core.CLILogin, error) { return tx.CLILoginByDone("nope") })
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.ApproveCLILogin("nope", 1, t0, t0, false) })
	wantErr(t, err, core.ErrNotFound, "approving an unknown login")
}

func sameTimeOf(got, want time.Time) bool { return sameTime(got, want) }
