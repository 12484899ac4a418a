package accounts

import (
	"errors"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunEmailTokens runs the cases of store.EmailTokens: mailed one-time
// links.
func RunEmailTokens(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"RoundTrip", testEmailTokens},
		{"SingleUse", testEmailTokensSingleUse},
		{"Expire", testEmailTokensExpire},
		{"ChangePurpose", testEmailTokensChangePurpose},
		{"Live", testLiveEmailToken},
	})
}

func checkEmailToken(t *testing.T, s store.Store, want *core.EmailToken) {
	t.Helper()
	got := suite.Read(t, s, func(tx store.Tx) (*core.EmailToken, error) { return tx.EmailToken(want.Hash) })
	var d suite.Diffs
	d.Eq("Hash", got.Hash, want.Hash)
	d.Eq("UserID", got.UserID, want.UserID)
	d.Eq("Purpose", got.Purpose, want.Purpose)
	d.Eq("Email", got.Email, want.Email)
	d.Time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.Time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	d.Time("UsedAt", got.UsedAt, want.UsedAt)
	d.Check(t, "EmailToken("+want.Hash+")")
}

func newEmailToken(u *core.User, hash string, purpose core.EmailTokenPurpose) *core.EmailToken {
	return &core.EmailToken{Hash: hash, UserID: u.ID, Purpose: purpose, Email: u.Email, CreatedAt: suite.At(time.Minute), ExpiresAt: suite.At(25 * time.Hour)}
}

func testEmailTokens(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	v := newEmailToken(alice, "hash-v", core.PurposeVerifyEmail)
	r := newEmailToken(bob, "hash-r", core.PurposePasswordReset)
	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.CreateEmailToken(v); err != nil {
			return err
		}
		return tx.CreateEmailToken(r)
	})
	checkEmailToken(t, s, v)
	checkEmailToken(t, s, r)
	suite.WantNotFound(t, s, "EmailToken(unknown)", func(tx store.Tx) (*core.EmailToken, error) { return tx.EmailToken("hash-x") })

	dup := newEmailToken(bob, "hash-v", core.PurposePasswordReset)
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateEmailToken(dup) })
	suite.WantErr(t, err, core.ErrConflict, "CreateEmailToken with a taken hash")
	checkEmailToken(t, s, v)
}

func testEmailTokensSingleUse(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	v := newEmailToken(alice, "hash-v", core.PurposeVerifyEmail)
	suite.Write(t, s, func(tx store.Tx) error { return tx.CreateEmailToken(v) })

	suite.Write(t, s, func(tx store.Tx) error { return tx.UseEmailToken("hash-v", suite.At(time.Hour)) })
	v.UsedAt = suite.At(time.Hour)
	checkEmailToken(t, s, v)

	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UseEmailToken("hash-v", suite.At(2*time.Hour)) })
	suite.WantErr(t, err, core.ErrConflict, "UseEmailToken a second time")
	checkEmailToken(t, s, v)

	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.UseEmailToken("hash-x", suite.At(2*time.Hour)) })
	suite.WantErr(t, err, core.ErrNotFound, "UseEmailToken of an unknown hash")

	// A use rolled back leaves the link usable.
	w := newEmailToken(alice, "hash-w", core.PurposeVerifyEmail)
	suite.Write(t, s, func(tx store.Tx) error { return tx.CreateEmailToken(w) })
	err = s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.UseEmailToken("hash-w", suite.At(time.Hour)); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("Update returned nil, want the closure's error")
	}
	checkEmailToken(t, s, w)
}

func testEmailTokensExpire(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	r1 := newEmailToken(alice, "r1", core.PurposePasswordReset)
	r2 := newEmailToken(alice, "r2", core.PurposePasswordReset)
	used := newEmailToken(alice, "r3", core.PurposePasswordReset)
	used.UsedAt = suite.At(2 * time.Minute)
	v := newEmailToken(alice, "v1", core.PurposeVerifyEmail)
	rb := newEmailToken(bob, "rb", core.PurposePasswordReset)
	suite.Write(t, s, func(tx store.Tx) error {
		for _, et := range []*core.EmailToken{r1, r2, used, v, rb} {
			if err := tx.CreateEmailToken(et); err != nil {
				return err
			}
		}
		return nil
	})
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.ExpireEmailTokens(alice.ID, core.PurposePasswordReset, suite.At(time.Hour))
	})
	r1.UsedAt, r2.UsedAt = suite.At(time.Hour), suite.At(time.Hour)
	checkEmailToken(t, s, r1)
	checkEmailToken(t, s, r2)
	checkEmailToken(t, s, used) // keeps its first time
	checkEmailToken(t, s, v)    // another purpose
	checkEmailToken(t, s, rb)   // another user
}

// A change-of-address link is stored like the others, to the new address.
func testEmailTokensChangePurpose(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	c := newEmailToken(alice, "hash-c", core.PurposeChangeEmail)
	c.Email = "alice@new.example"
	suite.Write(t, s, func(tx store.Tx) error { return tx.CreateEmailToken(c) })
	checkEmailToken(t, s, c)
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.ExpireEmailTokens(alice.ID, core.PurposeChangeEmail, suite.At(time.Hour))
	})
	c.UsedAt = suite.At(time.Hour)
	checkEmailToken(t, s, c)
}

// testLiveEmailToken: the newest unused, unexpired link of a purpose.
func testLiveEmailToken(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	live := func(u *core.User, now time.Time) (*core.EmailToken, error) {
		return suite.ReadErr(t, s, func(tx store.Tx) (*core.EmailToken, error) {
			return tx.LiveEmailToken(u.ID, core.PurposeChangeEmail, now)
		})
	}
	if _, err := live(alice, suite.T0); err == nil {
		t.Fatal("LiveEmailToken with no links found one")
	}
	older := &core.EmailToken{Hash: "older", UserID: alice.ID, Purpose: core.PurposeChangeEmail, Email: "new1@example.com", CreatedAt: suite.At(time.Minute), ExpiresAt: suite.At(time.Hour)}
	newer := &core.EmailToken{Hash: "newer", UserID: alice.ID, Purpose: core.PurposeChangeEmail, Email: "new2@example.com", CreatedAt: suite.At(2 * time.Minute), ExpiresAt: suite.At(30 * time.Minute)}
	reset := &core.EmailToken{Hash: "reset", UserID: alice.ID, Purpose: core.PurposePasswordReset, Email: alice.Email, CreatedAt: suite.At(3 * time.Minute), ExpiresAt: suite.At(time.Hour)}
	bobs := &core.EmailToken{Hash: "bobs", UserID: bob.ID, Purpose: core.PurposeChangeEmail, Email: "b@example.com", CreatedAt: suite.At(4 * time.Minute), ExpiresAt: suite.At(time.Hour)}
	suite.Write(t, s, func(tx store.Tx) error {
		for _, et := range []*core.EmailToken{older, newer, reset, bobs} {
			if err := tx.CreateEmailToken(et); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := live(alice, suite.At(5*time.Minute))
	if err != nil || got.Hash != "newer" || got.Email != "new2@example.com" || !suite.SameTime(got.ExpiresAt, newer.ExpiresAt) {
		t.Fatalf("LiveEmailToken = %+v, %v; want the newer change link", got, err)
	}
	// Past the newer one's expiry, the older one is the live one.
	if got, err := live(alice, suite.At(45*time.Minute)); err != nil || got.Hash != "older" {
		t.Fatalf("LiveEmailToken after the newer expired = %+v, %v; want the older", got, err)
	}
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.ExpireEmailTokens(alice.ID, core.PurposeChangeEmail, suite.At(6*time.Minute))
	})
	if got, err := live(alice, suite.At(7*time.Minute)); err == nil {
		t.Fatalf("LiveEmailToken after ExpireEmailTokens = %+v", got)
	} else {
		suite.WantErr(t, err, core.ErrNotFound, "LiveEmailToken after ExpireEmailTokens")
	}
	if got, err := live(bob, suite.At(5*time.Minute)); err != nil || got.Hash != "bobs" {
		t.Fatalf("LiveEmailToken(bob) = %+v, %v", got, err)
	}
}
