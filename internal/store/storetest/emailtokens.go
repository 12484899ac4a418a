package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
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
	got := read(t, s, func(tx store.Tx) (*core.EmailToken, error) { return tx.EmailToken(want.Hash) })
	var d diffs
	d.eq("Hash", got.Hash, want.Hash)
	d.eq("UserID", got.UserID, want.UserID)
	d.eq("Purpose", got.Purpose, want.Purpose)
	d.eq("Email", got.Email, want.Email)
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	d.time("UsedAt", got.UsedAt, want.UsedAt)
	d.check(t, "EmailToken("+want.Hash+")")
}

func newEmailToken(u *core.User, hash string, purpose core.EmailTokenPurpose) *core.EmailToken {
	return &core.EmailToken{Hash: hash, UserID: u.ID, Purpose: purpose, Email: u.Email, CreatedAt: at(time.Minute), ExpiresAt: at(25 * time.Hour)}
}

func testEmailTokens(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	v := newEmailToken(alice, "hash-v", core.PurposeVerifyEmail)
	r := newEmailToken(bob, "hash-r", core.PurposePasswordReset)
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateEmailToken(v); err != nil {
			return err
		}
		return tx.CreateEmailToken(r)
	})
	checkEmailToken(t, s, v)
	checkEmailToken(t, s, r)
	wantNotFound(t, s, "EmailToken(unknown)", func(tx store.Tx) (*core.EmailToken, error) { return tx.EmailToken("hash-x") })

	dup := newEmailToken(bob, "hash-v", core.PurposePasswordReset)
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateEmailToken(dup) })
	wantErr(t, err, core.ErrConflict, "CreateEmailToken with a taken hash")
	checkEmailToken(t, s, v)
}

func testEmailTokensSingleUse(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	v := newEmailToken(alice, "hash-v", core.PurposeVerifyEmail)
	write(t, s, func(tx store.Tx) error { return tx.CreateEmailToken(v) })

	write(t, s, func(tx store.Tx) error { return tx.UseEmailToken("hash-v", at(time.Hour)) })
	v.UsedAt = at(time.Hour)
	checkEmailToken(t, s, v)

	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UseEmailToken("hash-v", at(2*time.Hour)) })
	wantErr(t, err, core.ErrConflict, "UseEmailToken a second time")
	checkEmailToken(t, s, v)

	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.UseEmailToken("hash-x", at(2*time.Hour)) })
	wantErr(t, err, core.ErrNotFound, "UseEmailToken of an unknown hash")

	// A use rolled back leaves the link usable.
	w := newEmailToken(alice, "hash-w", core.PurposeVerifyEmail)
	write(t, s, func(tx store.Tx) error { return tx.CreateEmailToken(w) })
	err = s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.UseEmailToken("hash-w", at(time.Hour)); err != nil {
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
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	r1 := newEmailToken(alice, "r1", core.PurposePasswordReset)
	r2 := newEmailToken(alice, "r2", core.PurposePasswordReset)
	used := newEmailToken(alice, "r3", core.PurposePasswordReset)
	used.UsedAt = at(2 * time.Minute)
	v := newEmailToken(alice, "v1", core.PurposeVerifyEmail)
	rb := newEmailToken(bob, "rb", core.PurposePasswordReset)
	write(t, s, func(tx store.Tx) error {
		for _, et := range []*core.EmailToken{r1, r2, used, v, rb} {
			if err := tx.CreateEmailToken(et); err != nil {
				return err
			}
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		return tx.ExpireEmailTokens(alice.ID, core.PurposePasswordReset, at(time.Hour))
	})
	r1.UsedAt, r2.UsedAt = at(time.Hour), at(time.Hour)
	checkEmailToken(t, s, r1)
	checkEmailToken(t, s, r2)
	checkEmailToken(t, s, used) // keeps its first time
	checkEmailToken(t, s, v)    // another purpose
	checkEmailToken(t, s, rb)   // another user
}

// A change-of-address link is stored like the others, to the new address.
func testEmailTokensChangePurpose(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	c := newEmailToken(alice, "hash-c", core.PurposeChangeEmail)
	c.Email = "alice@new.example"
	write(t, s, func(tx store.Tx) error { return tx.CreateEmailToken(c) })
	checkEmailToken(t, s, c)
	write(t, s, func(tx store.Tx) error { return tx.ExpireEmailTokens(alice.ID, core.PurposeChangeEmail, at(time.Hour)) })
	c.UsedAt = at(time.Hour)
	checkEmailToken(t, s, c)
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
