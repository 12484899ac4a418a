package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// RunUsers runs the cases of store.Users: accounts, unique names and
// verified addresses.
func RunUsers(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"CreateAndLookup", testUsersCreateAndLookup},
		{"Conflicts", testUsersConflicts},
		{"Update", testUsersUpdate},
		{"PasswordCompromised", testUsersPasswordCompromised},
		{"UnverifiedEmailClaims", testUnverifiedEmailClaims},
	})
}

func testUsersCreateAndLookup(t *testing.T, s store.Store) {
	alice := newUser("alice")
	bob := newUser("bob")
	bob.Admin = true
	bob.EmailVerified = false
	bob.DisabledAt = at(time.Hour)
	bob.CreatedAt = at(time.Minute).In(time.FixedZone("IST", 5*3600+1800))
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateUser(alice); err != nil {
			return err
		}
		return tx.CreateUser(bob)
	})
	if alice.ID == 0 || bob.ID == 0 || alice.ID == bob.ID {
		t.Fatalf("CreateUser set IDs %d and %d, want distinct non-zero IDs", alice.ID, bob.ID)
	}
	for _, want := range []*core.User{alice, bob} {
		got := read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(want.ID) })
		checkUser(t, "UserByID", got, want)
		got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByName(want.Name) })
		checkUser(t, "UserByName", got, want)
		for _, email := range []string{want.Email, strings.ToUpper(want.Email), strings.ToLower(want.Email)} {
			if !want.EmailVerified { // an unverified address is only a claim (emailclaims.go)
				wantNotFound(t, s, "UserByEmail(unverified "+email+")", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(email) })
				continue
			}
			got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(email) })
			checkUser(t, "UserByEmail("+email+")", got, want)
		}
	}
	if n := read(t, s, func(tx store.Tx) (int, error) { return tx.CountUsers() }); n != 2 {
		t.Fatalf("CountUsers = %d, want 2", n)
	}
	wantNotFound(t, s, "UserByID(unknown)", func(tx store.Tx) (*core.User, error) { return tx.UserByID(bob.ID + 1000) })
	wantNotFound(t, s, "UserByName(unknown)", func(tx store.Tx) (*core.User, error) { return tx.UserByName("carol") })
	wantNotFound(t, s, "UserByEmail(unknown)", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail("carol@example.com") })
}

func testUsersConflicts(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")

	sameName := newUser("alice")
	sameName.Email = "someone-else@example.com"
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateUser(sameName) })
	wantErr(t, err, core.ErrConflict, "CreateUser with a taken name")

	sameEmail := newUser("alice2")
	sameEmail.Email = "ALICE@example.COM"
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateUser(sameEmail) })
	wantErr(t, err, core.ErrConflict, "CreateUser with a taken email in another case")

	if n := read(t, s, func(tx store.Tx) (int, error) { return tx.CountUsers() }); n != 1 {
		t.Fatalf("CountUsers after conflicts = %d, want 1", n)
	}
	got := read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByName("alice") })
	checkUser(t, "alice after conflicts", got, alice)
	wantNotFound(t, s, "UserByName(alice2)", func(tx store.Tx) (*core.User, error) { return tx.UserByName("alice2") })
}

func testUsersUpdate(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")

	changed := *alice
	changed.Name = "mallory" // not updatable
	changed.CreatedAt = at(48 * time.Hour)
	changed.Email = "Alice.New@Example.org"
	changed.PasswordHash = "$argon2id$new"
	changed.EmailVerified = false
	changed.Admin = true
	changed.DisabledAt = at(2 * time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&changed) })

	want := changed
	want.Name, want.CreatedAt = alice.Name, alice.CreatedAt
	got := read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	checkUser(t, "UserByID after UpdateUser", got, &want)
	// Unverified, the new address is only a claim (emailclaims.go).
	wantNotFound(t, s, "UserByEmail(new, unverified email) after UpdateUser", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail("alice.new@example.org") })
	wantNotFound(t, s, "UserByEmail(old email)", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(alice.Email) })
	wantNotFound(t, s, "UserByName(mallory)", func(tx store.Tx) (*core.User, error) { return tx.UserByName("mallory") })

	// Re-enabling stores the zero time again.
	want.DisabledAt = time.Time{}
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&want) })
	got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	checkUser(t, "UserByID after re-enabling", got, &want)
	if got.Disabled() {
		t.Fatalf("user still disabled after clearing DisabledAt: %v", got.DisabledAt)
	}

	// Verified emails stay unique, ignoring case, through updates too.
	steal := want
	steal.Email, steal.EmailVerified = strings.ToUpper(bob.Email), true
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateUser(&steal) })
	wantErr(t, err, core.ErrConflict, "UpdateUser to another user's email")
	got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	checkUser(t, "alice after conflicting UpdateUser", got, &want)
	got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(bob.Email) })
	checkUser(t, "bob after conflicting UpdateUser", got, bob)
}

func testUsersPasswordCompromised(t *testing.T, s store.Store) {
	alice := newUser("alice")
	alice.PasswordCompromised = true
	write(t, s, func(tx store.Tx) error { return tx.CreateUser(alice) })
	got := read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	checkUser(t, "UserByID of a user created compromised", got, alice)

	changed := *alice
	changed.PasswordCompromised = false
	changed.PasswordHash = "$argon2id$changed"
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&changed) })
	got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByName("alice") })
	checkUser(t, "UserByName after clearing PasswordCompromised", got, &changed)
}

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
