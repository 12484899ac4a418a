package storetest

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// RunCLILogins runs the cases of store.CLILogins: npm web logins and web
// OTPs, and what ends with every session.
func RunCLILogins(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"RoundTrip", testCLILogins},
		{"DeleteByUser", testCLILoginsByUser},
		{"WebOTPPurpose", testWebOTPPurpose},
	})
}

// What ends with every session of a user, and what a session remembers
// of its last real sign-in, is tested with the role that holds it:
// DeleteCLILoginsByUser here, SignedInAt with WebSessions, LiveEmailToken
// with EmailTokens.

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

// testCLILoginsByUser: DeleteCLILoginsByUser ends the npm web logins the
// user approved and those waiting for the user, the user's web OTP values
// and WebAuthn ceremonies; other users' and unclaimed ones stay.
func testCLILoginsByUser(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	logins := []*core.CLILogin{
		{DoneHash: "d-approved", LoginHash: "l-approved", CreatedAt: t0, ExpiresAt: at(10 * time.Minute)},
		{DoneHash: "d-for-alice", LoginHash: "l-for-alice", CreatedAt: t0, ExpiresAt: at(10 * time.Minute), ForUserID: alice.ID},
		{DoneHash: "d-unclaimed", LoginHash: "l-unclaimed", CreatedAt: t0, ExpiresAt: at(10 * time.Minute)},
		{DoneHash: "d-bob", LoginHash: "l-bob", CreatedAt: t0, ExpiresAt: at(10 * time.Minute)},
	}
	write(t, s, func(tx store.Tx) error {
		for _, l := range logins {
			if err := tx.CreateCLILogin(l); err != nil {
				return err
			}
		}
		if err := tx.ApproveCLILogin("l-approved", alice.ID, at(time.Minute), at(time.Minute), false); err != nil {
			return err
		}
		if err := tx.ApproveCLILogin("l-bob", bob.ID, at(time.Minute), time.Time{}, false); err != nil {
			return err
		}
		if err := tx.CreateWebOTP("otp-alice", alice.ID, core.WebOTPNPMWrite, at(5*time.Minute)); err != nil {
			return err
		}
		if err := tx.CreateWebOTP("otp-bob", bob.ID, core.WebOTPNPMWrite, at(5*time.Minute)); err != nil {
			return err
		}
		for _, c := range []*core.WebAuthnCeremony{
			{IDHash: "cer-alice", UserID: alice.ID, Kind: "register", Data: []byte("{}"), ExpiresAt: at(5 * time.Minute)},
			{IDHash: "cer-passkey", Kind: "passkey", Data: []byte("{}"), ExpiresAt: at(5 * time.Minute)},
		} {
			if err := tx.PutWebAuthnCeremony(c); err != nil {
				return err
			}
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteCLILoginsByUser(alice.ID) })
	wantNotFound(t, s, "an approved login after DeleteCLILoginsByUser", func(tx store.Tx) (*core.CLILogin, error) { return tx.CLILoginByDone("d-approved") })
	wantNotFound(t, s, "a web OTP login after DeleteCLILoginsByUser", func(tx store.Tx) (*core.CLILogin, error) { return tx.CLILoginByLogin("l-for-alice") })
	for _, done := range []string{"d-unclaimed", "d-bob"} {
		read(t, s, func(tx store.Tx) (*core.CLILogin, error) { return tx.CLILoginByDone(done) })
	}
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.SpendWebOTP("otp-alice", alice.ID, core.WebOTPNPMWrite, at(time.Minute))
	})
	wantErr(t, err, core.ErrNotFound, "spending a web OTP after DeleteCLILoginsByUser")
	write(t, s, func(tx store.Tx) error {
		return tx.SpendWebOTP("otp-bob", bob.ID, core.WebOTPNPMWrite, at(time.Minute))
	})
	err = s.Update(t.Context(), func(tx store.Tx) error { _, err := tx.TakeWebAuthnCeremony("cer-alice"); return err })
	wantErr(t, err, core.ErrNotFound, "taking the user's ceremony after DeleteCLILoginsByUser")
	write(t, s, func(tx store.Tx) error { _, err := tx.TakeWebAuthnCeremony("cer-passkey"); return err })
	// Deleting none is not an error.
	write(t, s, func(tx store.Tx) error { return tx.DeleteCLILoginsByUser(alice.ID) })
}

// testWebOTPPurpose: a web OTP is spent only for the purpose it was
// issued for; a mismatch leaves it in place.
func testWebOTPPurpose(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	write(t, s, func(tx store.Tx) error {
		return tx.CreateWebOTP("otp", alice.ID, core.WebOTPNPMWrite, at(5*time.Minute))
	})
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.SpendWebOTP("otp", alice.ID, "other-purpose", at(time.Minute)) })
	wantErr(t, err, core.ErrNotFound, "spending a web OTP for another purpose")
	err = s.Update(t.Context(), func(tx store.Tx) error {
		return tx.SpendWebOTP("otp", alice.ID+1, core.WebOTPNPMWrite, at(time.Minute))
	})
	wantErr(t, err, core.ErrNotFound, "spending another user's web OTP")
	err = s.Update(t.Context(), func(tx store.Tx) error {
		return tx.SpendWebOTP("otp", alice.ID, core.WebOTPNPMWrite, at(5*time.Minute))
	})
	wantErr(t, err, core.ErrNotFound, "spending an expired web OTP")
	write(t, s, func(tx store.Tx) error { return tx.SpendWebOTP("otp", alice.ID, core.WebOTPNPMWrite, at(time.Minute)) })
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.SpendWebOTP("otp", alice.ID, core.WebOTPNPMWrite, at(time.Minute)) })
	wantErr(t, err, core.ErrNotFound, "spending a web OTP twice")
}
