package accounts

import (
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
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
		{"SiteStaff", testSiteStaff},
		{"SearchUsers", testSearchUsers},
	})
}

func testUsersCreateAndLookup(t *testing.T, s store.Store) {
	alice := suite.NewUser("alice")
	bob := suite.NewUser("bob")
	bob.Admin = true
	bob.EmailVerified = false
	bob.DisabledAt = suite.At(time.Hour)
	bob.CreatedAt = suite.At(time.Minute).In(time.FixedZone("IST", 5*3600+1800))
	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.CreateUser(alice); err != nil {
			return err
		}
		return tx.CreateUser(bob)
	})
	if alice.ID == 0 || bob.ID == 0 || alice.ID == bob.ID {
		t.Fatalf("CreateUser set IDs %d and %d, want distinct non-zero IDs", alice.ID, bob.ID)
	}
	for _, want := range []*core.User{alice, bob} {
		got := suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(want.ID) })
		suite.CheckUser(t, "UserByID", got, want)
		got = suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByName(want.Name) })
		suite.CheckUser(t, "UserByName", got, want)
		for _, email := range []string{want.Email, strings.ToUpper(want.Email), strings.ToLower(want.Email)} {
			if !want.EmailVerified { // an unverified address is only a claim (emailclaims.go)
				suite.WantNotFound(t, s, "UserByEmail(unverified "+email+")", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(email) })
				continue
			}
			got = suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(email) })
			suite.CheckUser(t, "UserByEmail("+email+")", got, want)
		}
	}
	if n := suite.Read(t, s, func(tx store.Tx) (int, error) { return tx.CountUsers() }); n != 2 {
		t.Fatalf("CountUsers = %d, want 2", n)
	}
	suite.WantNotFound(t, s, "UserByID(unknown)", func(tx store.Tx) (*core.User, error) { return tx.UserByID(bob.ID + 1000) })
	suite.WantNotFound(t, s, "UserByName(unknown)", func(tx store.Tx) (*core.User, error) { return tx.UserByName("carol") })
	suite.WantNotFound(t, s, "UserByEmail(unknown)", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail("carol@example.com") })
}

func testUsersConflicts(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")

	sameName := suite.NewUser("alice")
	sameName.Email = "someone-else@example.com"
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateUser(sameName) })
	suite.WantErr(t, err, core.ErrConflict, "CreateUser with a taken name")

	sameEmail := suite.NewUser("alice2")
	sameEmail.Email = "ALICE@example.COM"
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateUser(sameEmail) })
	suite.WantErr(t, err, core.ErrConflict, "CreateUser with a taken email in another case")

	if n := suite.Read(t, s, func(tx store.Tx) (int, error) { return tx.CountUsers() }); n != 1 {
		t.Fatalf("CountUsers after conflicts = %d, want 1", n)
	}
	got := suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByName("alice") })
	suite.CheckUser(t, "alice after conflicts", got, alice)
	suite.WantNotFound(t, s, "UserByName(alice2)", func(tx store.Tx) (*core.User, error) { return tx.UserByName("alice2") })
}

func testUsersUpdate(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")

	changed := *alice
	changed.Name = "mallory" // not updatable
	changed.CreatedAt = suite.At(48 * time.Hour)
	changed.Email = "Alice.New@Example.org"
	changed.PasswordHash = "$argon2id$new"
	changed.EmailVerified = false
	changed.Admin = true
	changed.DisabledAt = suite.At(2 * time.Hour)
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&changed) })

	want := changed
	want.Name, want.CreatedAt = alice.Name, alice.CreatedAt
	got := suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	suite.CheckUser(t, "UserByID after UpdateUser", got, &want)
	// Unverified, the new address is only a claim (emailclaims.go).
	suite.WantNotFound(t, s, "UserByEmail(new, unverified email) after UpdateUser", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail("alice.new@example.org") })
	suite.WantNotFound(t, s, "UserByEmail(old email)", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(alice.Email) })
	suite.WantNotFound(t, s, "UserByName(mallory)", func(tx store.Tx) (*core.User, error) { return tx.UserByName("mallory") })

	// Re-enabling stores the zero time again.
	want.DisabledAt = time.Time{}
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&want) })
	got = suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	suite.CheckUser(t, "UserByID after re-enabling", got, &want)
	if got.Disabled() {
		t.Fatalf("user still disabled after clearing DisabledAt: %v", got.DisabledAt)
	}

	// Verified emails stay unique, ignoring case, through updates too.
	steal := want
	steal.Email, steal.EmailVerified = strings.ToUpper(bob.Email), true
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateUser(&steal) })
	suite.WantErr(t, err, core.ErrConflict, "UpdateUser to another user's email")
	got = suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	suite.CheckUser(t, "alice after conflicting UpdateUser", got, &want)
	got = suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(bob.Email) })
	suite.CheckUser(t, "bob after conflicting UpdateUser", got, bob)
}

func testUsersPasswordCompromised(t *testing.T, s store.Store) {
	alice := suite.NewUser("alice")
	alice.PasswordCompromised = true
	suite.Write(t, s, func(tx store.Tx) error { return tx.CreateUser(alice) })
	got := suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	suite.CheckUser(t, "UserByID of a user created compromised", got, alice)

	changed := *alice
	changed.PasswordCompromised = false
	changed.PasswordHash = "$argon2id$changed"
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&changed) })
	got = suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByName("alice") })
	suite.CheckUser(t, "UserByName after clearing PasswordCompromised", got, &changed)
}

// testUnverifiedEmailClaims: only verified addresses are unique. Any
// number of unverified accounts may give the same address, also one that
// another account verified; lookups by address find only the verified
// holder; verifying an address another account has verified conflicts
// and changes nothing; once that account leaves the address, the claim
// can be verified.
func testUnverifiedEmailClaims(t *testing.T, s store.Store) {
	owner := suite.CreateUser(t, s, "owner") // verified owner@Example.com
	claim := func(name, email string) *core.User {
		u := suite.NewUser(name)
		u.Email, u.EmailVerified = email, false
		suite.Write(t, s, func(tx store.Tx) error { return tx.CreateUser(u) })
		return u
	}
	squat := claim("squatter", strings.ToUpper(owner.Email))
	free1 := claim("first", "free@example.org")
	free2 := claim("second", "FREE@example.org")

	got := suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(owner.Email) })
	suite.CheckUser(t, "UserByEmail(owner's address) with a claim on it", got, owner)
	suite.WantNotFound(t, s, "UserByEmail(only claimed)", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail("free@example.org") })
	got = suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(squat.ID) })
	suite.CheckUser(t, "the claim as stored", got, squat)

	// Verifying the owner's address for the squatter conflicts.
	verified := *squat
	verified.EmailVerified = true
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateUser(&verified) })
	suite.WantErr(t, err, core.ErrConflict, "UpdateUser verifying an address another account verified")
	got = suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(squat.ID) })
	suite.CheckUser(t, "the claim after the conflict", got, squat)

	// Of two claims, the first to verify wins; the other then conflicts.
	first := *free1
	first.EmailVerified = true
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&first) })
	got = suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByEmail("Free@Example.org") })
	suite.CheckUser(t, "UserByEmail after the first claim verified", got, &first)
	second := *free2
	second.EmailVerified = true
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateUser(&second) })
	suite.WantErr(t, err, core.ErrConflict, "UpdateUser verifying a claim verified first by another")
	err = s.Update(t.Context(), func(tx store.Tx) error {
		u := suite.NewUser("third")
		u.Email = "free@example.org"
		return tx.CreateUser(u)
	})
	suite.WantErr(t, err, core.ErrConflict, "CreateUser verified with an address another account verified")

	// The owner moves away: the address is free to verify.
	moved := *owner
	moved.Email = "owner@elsewhere.example"
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&moved) })
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&verified) })
	got = suite.Read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(owner.Email) })
	suite.CheckUser(t, "UserByEmail after the claim was verified", got, &verified)

	// Un-verifying an address (an abandoned domain) releases it.
	unverified := verified
	unverified.EmailVerified = false
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&unverified) })
	suite.WantNotFound(t, s, "UserByEmail after un-verifying", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(owner.Email) })
}

// testSiteStaff: moderators and admins, by name; a disabled one and plain
// users are left out.
func testSiteStaff(t *testing.T, s store.Store) {
	users := map[string]*core.User{}
	for _, n := range []string{"zed", "alice", "bob", "carol", "dave"} {
		users[n] = suite.NewUser(n)
	}
	users["zed"].Moderator = true
	users["alice"].Admin = true
	users["carol"].Moderator = true
	users["carol"].DisabledAt = suite.At(time.Hour)
	suite.Write(t, s, func(tx store.Tx) error {
		for _, n := range []string{"zed", "alice", "bob", "carol", "dave"} {
			if err := tx.CreateUser(users[n]); err != nil {
				return err
			}
		}
		return nil
	})
	got := suite.Read(t, s, func(tx store.Tx) ([]core.User, error) { return tx.SiteStaff() })
	var names []string
	for _, u := range got {
		names = append(names, u.Name)
	}
	if strings.Join(names, ",") != "alice,zed" {
		t.Fatalf("SiteStaff = %v, want [alice zed]", names)
	}
}

// testSearchUsers: by name or address, ignoring case, by name, in pages;
// LIKE's wildcards in the query are plain characters.
func testSearchUsers(t *testing.T, s store.Store) {
	for _, n := range []string{"carol", "alice", "bob", "al_x", "dave"} {
		u := suite.NewUser(n)
		if n == "dave" {
			u.Email = "Dave@Alpha.example"
		}
		suite.Write(t, s, func(tx store.Tx) error { return tx.CreateUser(u) })
	}
	names := func(query, after string, limit int) string {
		t.Helper()
		got := suite.Read(t, s, func(tx store.Tx) ([]core.User, error) { return tx.SearchUsers(query, after, limit) })
		var out []string
		for _, u := range got {
			out = append(out, u.Name)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		query, after string
		limit        int
		want         string
	}{
		{"", "", 10, "al_x,alice,bob,carol,dave"},
		{"", "", 2, "al_x,alice"},
		{"", "alice", 2, "bob,carol"},
		{"AL", "", 10, "al_x,alice,dave"}, // dave by his address
		{"al_", "", 10, "al_x"},           // "_" is not a wildcard
		{"%", "", 10, ""},
		{"zed", "", 10, ""},
	} {
		if got := names(tc.query, tc.after, tc.limit); got != tc.want {
			t.Errorf("SearchUsers(%q, %q, %d) = %q, want %q", tc.query, tc.after, tc.limit, got, tc.want)
		}
	}
}
