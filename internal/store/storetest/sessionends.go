package storetest

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// What ends with every session of a user, and what a session remembers
// of its last real sign-in.

// testWebSessionSignedIn: SignedInAt is stored as given and read back by
// WebSession and WebSessionsOf; left zero it is the creation time.
func testWebSessionSignedIn(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	reissued := &core.WebSession{IDHash: "reissued", UserID: alice.ID, CreatedAt: at(time.Hour), ExpiresAt: at(13 * time.Hour), SignedInAt: at(time.Minute)}
	fresh := &core.WebSession{IDHash: "fresh", UserID: alice.ID, CreatedAt: at(2 * time.Hour), ExpiresAt: at(14 * time.Hour)}
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateWebSession(reissued); err != nil {
			return err
		}
		return tx.CreateWebSession(fresh)
	})
	for _, c := range []struct {
		hash string
		want time.Time
	}{{"reissued", at(time.Minute)}, {"fresh", at(2 * time.Hour)}} {
		got := read(t, s, func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession(c.hash) })
		if !sameTime(got.SignedInAt, c.want) {
			t.Errorf("WebSession(%s).SignedInAt = %v, want %v", c.hash, got.SignedInAt, c.want)
		}
	}
	list := read(t, s, func(tx store.Tx) ([]core.WebSession, error) { return tx.WebSessionsOf(alice.ID) })
	if len(list) != 2 || list[0].IDHash != "fresh" || !sameTime(list[0].SignedInAt, at(2*time.Hour)) || !sameTime(list[1].SignedInAt, at(time.Minute)) {
		t.Fatalf("WebSessionsOf = %+v; want fresh signed in at +2h, reissued at +1m", list)
	}
	write(t, s, func(tx store.Tx) error { return tx.DeleteWebSessionsByUser(alice.ID) })
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

// testLiveEmailToken: the newest unused, unexpired link of a purpose.
func testLiveEmailToken(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	live := func(u *core.User, now time.Time) (*core.EmailToken, error) {
		return readErr(t, s, func(tx store.Tx) (*core.EmailToken, error) {
			return tx.LiveEmailToken(u.ID, core.PurposeChangeEmail, now)
		})
	}
	if _, err := live(alice, t0); err == nil {
		t.Fatal("LiveEmailToken with no links found one")
	}
	older := &core.EmailToken{Hash: "older", UserID: alice.ID, Purpose: core.PurposeChangeEmail, Email: "new1@example.com", CreatedAt: at(time.Minute), ExpiresAt: at(time.Hour)}
	newer := &core.EmailToken{Hash: "newer", UserID: alice.ID, Purpose: core.PurposeChangeEmail, Email: "new2@example.com", CreatedAt: at(2 * time.Minute), ExpiresAt: at(30 * time.Minute)}
	reset := &core.EmailToken{Hash: "reset", UserID: alice.ID, Purpose: core.PurposePasswordReset, Email: alice.Email, CreatedAt: at(3 * time.Minute), ExpiresAt: at(time.Hour)}
	bobs := &core.EmailToken{Hash: "bobs", UserID: bob.ID, Purpose: core.PurposeChangeEmail, Email: "b@example.com", CreatedAt: at(4 * time.Minute), ExpiresAt: at(time.Hour)}
	write(t, s, func(tx store.Tx) error {
		for _, et := range []*core.EmailToken{older, newer, reset, bobs} {
			if err := tx.CreateEmailToken(et); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := live(alice, at(5*time.Minute))
	if err != nil || got.Hash != "newer" || got.Email != "new2@example.com" || !sameTime(got.ExpiresAt, newer.ExpiresAt) {
		t.Fatalf("LiveEmailToken = %+v, %v; want the newer change link", got, err)
	}
	// Past the newer one's expiry, the older one is the live one.
	if got, err := live(alice, at(45*time.Minute)); err != nil || got.Hash != "older" {
		t.Fatalf("LiveEmailToken after the newer expired = %+v, %v; want the older", got, err)
	}
	write(t, s, func(tx store.Tx) error {
		return tx.ExpireEmailTokens(alice.ID, core.PurposeChangeEmail, at(6*time.Minute))
	})
	if got, err := live(alice, at(7*time.Minute)); err == nil {
		t.Fatalf("LiveEmailToken after ExpireEmailTokens = %+v", got)
	} else {
		wantErr(t, err, core.ErrNotFound, "LiveEmailToken after ExpireEmailTokens")
	}
	if got, err := live(bob, at(5*time.Minute)); err != nil || got.Hash != "bobs" {
		t.Fatalf("LiveEmailToken(bob) = %+v, %v", got, err)
	}
}
