package storetest

import (
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// testUnverifiedEmailClaims: only verified addresses are unique. Any
// number of unverified accounts may give the same address, also one that
// another account verified; lookups by address find only the verified
// holder; verifying an address another account has verified conflicts
// and changes nothing; once that account leaves the address, the claim
// can be verified.
func testUnverifiedEmailClaims(t *testing.T, s store.Store) {
	owner := createUser(t, s, "owner") // verified owner@Example.com
	claim := func(name, email string) *core.User {
		u := newUser(name)
		u.Email, u.EmailVerified = email, false
		write(t, s, func(tx store.Tx) error { return tx.CreateUser(u) })
		return u
	}
	squat := claim("squatter", strings.ToUpper(owner.Email))
	free1 := claim("first", "free@example.org")
	free2 := claim("second", "FREE@example.org")

	got := read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(owner.Email) })
	checkUser(t, "UserByEmail(owner's address) with a claim on it", got, owner)
	wantNotFound(t, s, "UserByEmail(only claimed)", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail("free@example.org") })
	got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(squat.ID) })
	checkUser(t, "the claim as stored", got, squat)

	// Verifying the owner's address for the squatter conflicts.
	verified := *squat
	verified.EmailVerified = true
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateUser(&verified) })
	wantErr(t, err, core.ErrConflict, "UpdateUser verifying an address another account verified")
	got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(squat.ID) })
	checkUser(t, "the claim after the conflict", got, squat)

	// Of two claims, the first to verify wins; the other then conflicts.
	first := *free1
	first.EmailVerified = true
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&first) })
	got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByEmail("Free@Example.org") })
	checkUser(t, "UserByEmail after the first claim verified", got, &first)
	second := *free2
	second.EmailVerified = true
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateUser(&second) })
	wantErr(t, err, core.ErrConflict, "UpdateUser verifying a claim verified first by another")
	err = s.Update(t.Context(), func(tx store.Tx) error {
		u := newUser("third")
		u.Email = "free@example.org"
		return tx.CreateUser(u)
	})
	wantErr(t, err, core.ErrConflict, "CreateUser verified with an address another account verified")

	// The owner moves away: the address is free to verify.
	moved := *owner
	moved.Email = "owner@elsewhere.example"
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&moved) })
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&verified) })
	got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(owner.Email) })
	checkUser(t, "UserByEmail after the claim was verified", got, &verified)

	// Un-verifying an address (an abandoned domain) releases it.
	unverified := verified
	unverified.EmailVerified = false
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&unverified) })
	wantNotFound(t, s, "UserByEmail after un-verifying", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(owner.Email) })
}
