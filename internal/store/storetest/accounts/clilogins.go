package accounts

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
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
	alice := suite.CreateUser(t, s, "alice")
	l := &core.CLILogin{DoneHash: "done1", LoginHash: "login1", Addr: "192.0.2.1", CreatedAt: suite.T0, ExpiresAt: suite.At(10 * time.Minute)}
	suite.Write(t, s, func(tx store.Tx) error { return tx.CreateCLILogin(l) })
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.CreateCLILogin(&core.CLILogin{DoneHash: "done2", LoginHash: "login1", CreatedAt: suite.T0, ExpiresAt: suite.T0})
	})
	suite.WantErr(t, err, core.ErrConflict, "a login hash twice")
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.CollectCLILogin("done1", suite.At(time.Minute)) })
	suite.WantErr(t, err, core.ErrConflict, "collecting before approval")

	suite.Write(t, s, func(tx store.Tx) error {
		return tx.ApproveCLILogin("login1", alice.ID, suite.At(time.Minute), suite.At(time.Second), true)
	})
	err = s.Update(t.Context(), func(tx store.Tx) error {
		return tx.ApproveCLILogin("login1", 99, suite.At(2*time.Minute), suite.T0, false)
	})
	suite.WantErr(t, err, core.ErrConflict, "approving twice")
	got := suite.Read(t, s, func(tx store.Tx) (*core.CLILogin, error) { return tx.CLILoginByDone("done1") })
	if got.LoginHash != "login1" || got.Addr != "192.0.2.1" || got.UserID != alice.ID || !suite.SameTimeOf(got.ApprovedAt, suite.At(time.Minute)) ||
		!suite.SameTimeOf(got.MFAVerifiedAt, suite.At(time.Second)) || !got.PhishingResistant || !suite.SameTimeOf(got.ExpiresAt, l.ExpiresAt) || !got.CollectedAt.IsZero() {
		t.Fatalf("CLI login read back as %+v", got)
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.CollectCLILogin("done1", suite.At(3*time.Minute)) })
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.CollectCLILogin("done1", suite.At(4*time.Minute)) })
	suite.WantErr(t, err, core.ErrConflict, "collecting twice")
	got = suite.Read(t, s, func(tx store.Tx) (*core.CLILogin, error) { return tx.CLILoginByLogin("login1") })
	if !suite.SameTimeOf(got.CollectedAt, suite.At(3*time.Minute)) {
		t.Fatalf("CollectedAt = %v", got.CollectedAt)
	}
	suite.WantNotFound(t, s, "CLILoginByDone(unknown)", func(tx store.Tx) (*core.CLILogin, error) { return tx.CLILoginByDone("nope") })
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.ApproveCLILogin("nope", 1, suite.T0, suite.T0, false) })
	suite.WantErr(t, err, core.ErrNotFound, "approving an unknown login")
}

// testCLILoginsByUser: DeleteCLILoginsByUser ends the npm web logins the
// user approved and those waiting for the user, the user's web OTP values
// and WebAuthn ceremonies; other users' and unclaimed ones stay.
func testCLILoginsByUser(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	logins := []*core.CLILogin{
		{DoneHash: "d-approved", LoginHash: "l-approved", CreatedAt: suite.T0, ExpiresAt: suite.At(10 * time.Minute)},
		{DoneHash: "d-for-alice", LoginHash: "l-for-alice", CreatedAt: suite.T0, ExpiresAt: suite.At(10 * time.Minute), ForUserID: alice.ID},
		{DoneHash: "d-unclaimed", LoginHash: "l-unclaimed", CreatedAt: suite.T0, ExpiresAt: suite.At(10 * time.Minute)},
		{DoneHash: "d-bob", LoginHash: "l-bob", CreatedAt: suite.T0, ExpiresAt: suite.At(10 * time.Minute)},
	}
	suite.Write(t, s, func(tx store.Tx) error {
		for _, l := range logins {
			if err := tx.CreateCLILogin(l); err != nil {
				return err
			}
		}
		if err := tx.ApproveCLILogin("l-approved", alice.ID, suite.At(time.Minute), suite.At(time.Minute), false); err != nil {
			return err
		}
		if err := tx.ApproveCLILogin("l-bob", bob.ID, suite.At(time.Minute), time.Time{}, false); err != nil {
			return err
		}
		if err := tx.CreateWebOTP("otp-alice", alice.ID, core.WebOTPNPMWrite, suite.At(5*time.Minute)); err != nil {
			return err
		}
		if err := tx.CreateWebOTP("otp-bob", bob.ID, core.WebOTPNPMWrite, suite.At(5*time.Minute)); err != nil {
			return err
		}
		for _, c := range []*core.WebAuthnCeremony{
			{IDHash: "cer-alice", UserID: alice.ID, Kind: "register", Data: []byte("{}"), ExpiresAt: suite.At(5 * time.Minute)},
			{IDHash: "cer-passkey", Kind: "passkey", Data: []byte("{}"), ExpiresAt: suite.At(5 * time.Minute)},
		} {
			if err := tx.PutWebAuthnCeremony(c); err != nil {
				return err
			}
		}
		return nil
	})
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteCLILoginsByUser(alice.ID) })
	suite.WantNotFound(t, s, "an approved login after DeleteCLILoginsByUser", func(tx store.Tx) (*core.CLILogin, error) { return tx.CLILoginByDone("d-approved") })
	suite.WantNotFound(t, s, "a web OTP login after DeleteCLILoginsByUser", func(tx store.Tx) (*core.CLILogin, error) { return tx.CLILoginByLogin("l-for-alice") })
	for _, done := range []string{"d-unclaimed", "d-bob"} {
		suite.Read(t, s, func(tx store.Tx) (*core.CLILogin, error) { return tx.CLILoginByDone(done) })
	}
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.SpendWebOTP("otp-alice", alice.ID, core.WebOTPNPMWrite, suite.At(time.Minute))
	})
	suite.WantErr(t, err, core.ErrNotFound, "spending a web OTP after DeleteCLILoginsByUser")
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.SpendWebOTP("otp-bob", bob.ID, core.WebOTPNPMWrite, suite.At(time.Minute))
	})
	err = s.Update(t.Context(), func(tx store.Tx) error { _, err := tx.TakeWebAuthnCeremony("cer-alice"); return err })
	suite.WantErr(t, err, core.ErrNotFound, "taking the user's ceremony after DeleteCLILoginsByUser")
	suite.Write(t, s, func(tx store.Tx) error { _, err := tx.TakeWebAuthnCeremony("cer-passkey"); return err })
	// Deleting none is not an error.
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteCLILoginsByUser(alice.ID) })
}

// testWebOTPPurpose: a web OTP is spent only for the purpose it was
// issued for; a mismatch leaves it in place.
func testWebOTPPurpose(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.CreateWebOTP("otp", alice.ID, core.WebOTPNPMWrite, suite.At(5*time.Minute))
	})
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.SpendWebOTP("otp", alice.ID, "other-purpose", suite.At(time.Minute))
	})
	suite.WantErr(t, err, core.ErrNotFound, "spending a web OTP for another purpose")
	err = s.Update(t.Context(), func(tx store.Tx) error {
		return tx.SpendWebOTP("otp", alice.ID+1, core.WebOTPNPMWrite, suite.At(time.Minute))
	})
	suite.WantErr(t, err, core.ErrNotFound, "spending another user's web OTP")
	err = s.Update(t.Context(), func(tx store.Tx) error {
		return tx.SpendWebOTP("otp", alice.ID, core.WebOTPNPMWrite, suite.At(5*time.Minute))
	})
	suite.WantErr(t, err, core.ErrNotFound, "spending an expired web OTP")
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.SpendWebOTP("otp", alice.ID, core.WebOTPNPMWrite, suite.At(time.Minute))
	})
	err = s.Update(t.Context(), func(tx store.Tx) error {
		return tx.SpendWebOTP("otp", alice.ID, core.WebOTPNPMWrite, suite.At(time.Minute))
	})
	suite.WantErr(t, err, core.ErrNotFound, "spending a web OTP twice")
}
