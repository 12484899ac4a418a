package accounts

import (
	"slices"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunSecondFactors runs the cases of store.SecondFactors: TOTP enrolments
// and recovery codes.
func RunSecondFactors(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"TOTPRoundTrip", testTOTPRoundTrip},
		{"TOTPStepCompareAndSwap", testTOTPStepCAS},
		{"TOTPStepConcurrent", testTOTPStepConcurrent},
		{"RecoveryCodes", testRecoveryCodes},
		{"RecoveryCodeConcurrent", testRecoveryCodeConcurrent},
	})
}

func checkTOTP(t *testing.T, s store.Store, want *core.TOTP) {
	t.Helper()
	got := suite.Read(t, s, func(tx store.Tx) (*core.TOTP, error) { return tx.TOTP(want.UserID) })
	var d suite.Diffs
	d.Eq("UserID", got.UserID, want.UserID)
	d.Eq("Secret", got.Secret, want.Secret)
	d.Time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.Time("ConfirmedAt", got.ConfirmedAt, want.ConfirmedAt)
	d.Eq("LastStep", got.LastStep, want.LastStep)
	d.Check(t, "TOTP")
}

func testTOTPRoundTrip(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	suite.WantNotFound(t, s, "TOTP(none)", func(tx store.Tx) (*core.TOTP, error) { return tx.TOTP(alice.ID) })

	pending := &core.TOTP{UserID: alice.ID, Secret: "SECRETONE", CreatedAt: suite.At(time.Minute)}
	suite.Write(t, s, func(tx store.Tx) error { return tx.PutTOTP(pending) })
	checkTOTP(t, s, pending)
	if got := suite.Read(t, s, func(tx store.Tx) (*core.TOTP, error) { return tx.TOTP(alice.ID) }); got.Confirmed() {
		t.Fatalf("a pending enrolment reads back as confirmed")
	}

	// Putting again replaces the whole enrolment (a new secret, confirmed).
	on := &core.TOTP{UserID: alice.ID, Secret: "SECRETTWO", CreatedAt: suite.At(2 * time.Minute), ConfirmedAt: suite.At(3 * time.Minute), LastStep: 42}
	suite.Write(t, s, func(tx store.Tx) error { return tx.PutTOTP(on) })
	checkTOTP(t, s, on)
	suite.WantNotFound(t, s, "TOTP(other user)", func(tx store.Tx) (*core.TOTP, error) { return tx.TOTP(bob.ID) })

	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteTOTP(alice.ID) })
	suite.WantNotFound(t, s, "TOTP after DeleteTOTP", func(tx store.Tx) (*core.TOTP, error) { return tx.TOTP(alice.ID) })
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteTOTP(alice.ID) }) // deleting none is fine
}

func testTOTPStepCAS(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.AdvanceTOTPStep(alice.ID, 0, 1) })
	suite.WantErr(t, err, core.ErrNotFound, "AdvanceTOTPStep without an enrolment")

	o := &core.TOTP{UserID: alice.ID, Secret: "S", CreatedAt: suite.T0, ConfirmedAt: suite.T0, LastStep: 10}
	suite.Write(t, s, func(tx store.Tx) error { return tx.PutTOTP(o) })
	suite.Write(t, s, func(tx store.Tx) error { return tx.AdvanceTOTPStep(alice.ID, 10, 12) })
	o.LastStep = 12
	checkTOTP(t, s, o)

	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.AdvanceTOTPStep(alice.ID, 10, 13) })
	suite.WantErr(t, err, core.ErrConflict, "AdvanceTOTPStep from a stale step")
	checkTOTP(t, s, o)
}

// testTOTPStepConcurrent spends one code from many requests at once: only
// one may win, or a code could be replayed in parallel.
func testTOTPStepConcurrent(t *testing.T, s store.Store) {
	const workers = 20
	alice := suite.CreateUser(t, s, "alice")
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.PutTOTP(&core.TOTP{UserID: alice.ID, Secret: "S", CreatedAt: suite.T0, ConfirmedAt: suite.T0, LastStep: 100})
	})
	suite.OneWins(t, s, workers, core.ErrConflict, "uses of one step", func(_ int, tx store.Tx) error {
		return tx.AdvanceTOTPStep(alice.ID, 100, 101)
	})
}

func testRecoveryCodes(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	codes := func(u *core.User) []string {
		t.Helper()
		return suite.Read(t, s, func(tx store.Tx) ([]string, error) { return tx.RecoveryCodes(u.ID) })
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetRecoveryCodes(alice.ID, []string{"h1", "h2", "h3"}, suite.T0) })
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetRecoveryCodes(bob.ID, []string{"h1"}, suite.T0) })
	if got := codes(alice); !slices.Equal(suite.Sorted(got), []string{"h1", "h2", "h3"}) {
		t.Fatalf("RecoveryCodes = %q, want h1 h2 h3", got)
	}

	suite.Write(t, s, func(tx store.Tx) error { return tx.UseRecoveryCode(alice.ID, "h2") })
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UseRecoveryCode(alice.ID, "h2") })
	suite.WantErr(t, err, core.ErrNotFound, "UseRecoveryCode a second time")
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.UseRecoveryCode(alice.ID, "nope") })
	suite.WantErr(t, err, core.ErrNotFound, "UseRecoveryCode of an unknown hash")
	if got := codes(alice); !slices.Equal(suite.Sorted(got), []string{"h1", "h3"}) {
		t.Fatalf("RecoveryCodes after use = %q, want h1 h3", got)
	}
	if got := codes(bob); !slices.Equal(got, []string{"h1"}) {
		t.Fatalf("another user's codes changed: %q", got)
	}

	// Regenerating replaces the whole set; an empty set clears it.
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetRecoveryCodes(alice.ID, []string{"h9"}, suite.At(time.Hour)) })
	if got := codes(alice); !slices.Equal(got, []string{"h9"}) {
		t.Fatalf("RecoveryCodes after replace = %q, want h9", got)
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetRecoveryCodes(alice.ID, nil, suite.At(time.Hour)) })
	if got := codes(alice); len(got) != 0 {
		t.Fatalf("RecoveryCodes after clearing = %q, want none", got)
	}
}

func testRecoveryCodeConcurrent(t *testing.T, s store.Store) {
	const workers = 20
	alice := suite.CreateUser(t, s, "alice")
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetRecoveryCodes(alice.ID, []string{"h1"}, suite.T0) })
	suite.OneWins(t, s, workers, core.ErrNotFound, "uses of one recovery code", func(_ int, tx store.Tx) error {
		return tx.UseRecoveryCode(alice.ID, "h1")
	})
}
