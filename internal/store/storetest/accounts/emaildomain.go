package accounts

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunEmailDomains runs the cases of store.EmailDomains: the last judgement
// on each user's email domain.
func RunEmailDomains(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"RoundTrip", testEmailDomainStatus},
		{"RolledBack", testEmailDomainStatusRolledBack},
		{"DueForCheck", testUsersDueForDomainCheck},
	})
}

func checkDomainStatus(t *testing.T, s store.Store, want *core.EmailDomainStatus) {
	t.Helper()
	got := suite.Read(t, s, func(tx store.Tx) (*core.EmailDomainStatus, error) { return tx.EmailDomainStatus(want.UserID) })
	var d suite.Diffs
	d.Eq("UserID", got.UserID, want.UserID)
	d.Eq("Domain", got.Domain, want.Domain)
	d.Eq("Status", got.Status, want.Status)
	d.Eq("Reasons", suite.OrEmpty(got.Reasons), suite.OrEmpty(want.Reasons))
	d.Time("CheckedAt", got.CheckedAt, want.CheckedAt)
	d.Check(t, "EmailDomainStatus")
	if !equalFold(got.Email, want.Email) {
		t.Errorf("EmailDomainStatus: Email = %q, want %q (case may differ)", got.Email, want.Email)
	}
}

func equalFold(a, b string) bool {
	return len(a) == len(b) && (a == b || lower(a) == lower(b))
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func putDomainStatus(t *testing.T, s store.Store, st *core.EmailDomainStatus) {
	t.Helper()
	suite.Write(t, s, func(tx store.Tx) error { return tx.PutEmailDomainStatus(st) })
}

func dueNames(t *testing.T, s store.Store, before time.Time, limit int) []string {
	t.Helper()
	us := suite.Read(t, s, func(tx store.Tx) ([]core.User, error) { return tx.UsersDueForDomainCheck(before, limit) })
	var names []string
	for _, u := range us {
		names = append(names, u.Name)
	}
	return names
}

func testEmailDomainStatus(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	suite.WantNotFound(t, s, "EmailDomainStatus of a user never checked", func(tx store.Tx) (*core.EmailDomainStatus, error) {
		return tx.EmailDomainStatus(alice.ID)
	})
	st := &core.EmailDomainStatus{UserID: alice.ID, Email: alice.Email, Domain: "example.com", Status: core.DomainOK, CheckedAt: suite.At(time.Minute)}
	putDomainStatus(t, s, st)
	checkDomainStatus(t, s, st)

	// A second put replaces the first whole.
	st2 := &core.EmailDomainStatus{UserID: alice.ID, Email: alice.Email, Domain: "example.com", Status: core.DomainAbandoned,
		Reasons: []string{"the domain does not exist", "the registration is pending delete"}, CheckedAt: suite.At(time.Hour)}
	putDomainStatus(t, s, st2)
	checkDomainStatus(t, s, st2)

	st3 := &core.EmailDomainStatus{UserID: alice.ID, Email: alice.Email, Domain: "example.com", Status: core.DomainUnknown, CheckedAt: suite.At(2 * time.Hour)}
	putDomainStatus(t, s, st3)
	checkDomainStatus(t, s, st3)
}

func testEmailDomainStatusRolledBack(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.PutEmailDomainStatus(&core.EmailDomainStatus{UserID: alice.ID, Email: alice.Email, Domain: "example.com", Status: core.DomainOK, CheckedAt: suite.At(time.Minute)}); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("Update returned nil, want the closure's error")
	}
	suite.WantNotFound(t, s, "EmailDomainStatus after a rolled-back put", func(tx store.Tx) (*core.EmailDomainStatus, error) {
		return tx.EmailDomainStatus(alice.ID)
	})
}

func testUsersDueForDomainCheck(t *testing.T, s store.Store) {
	suite.CreateUser(t, s, "never")           // verified, never checked
	old := suite.CreateUser(t, s, "old")      // checked long ago
	older := suite.CreateUser(t, s, "older")  // checked even longer ago
	fresh := suite.CreateUser(t, s, "fresh")  // checked recently
	moved := suite.CreateUser(t, s, "moved")  // checked recently, but the address changed since
	unverified := suite.NewUser("unverified") // not verified: nothing to protect
	unverified.EmailVerified = false
	disabled := suite.NewUser("disabled")
	disabled.DisabledAt = suite.At(time.Minute)
	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.CreateUser(unverified); err != nil {
			return err
		}
		return tx.CreateUser(disabled)
	})
	status := func(u *core.User, email string, when time.Time) {
		putDomainStatus(t, s, &core.EmailDomainStatus{UserID: u.ID, Email: email, Domain: "example.com", Status: core.DomainOK, CheckedAt: when})
	}
	status(old, old.Email, suite.At(2*time.Hour))
	status(older, older.Email, suite.At(time.Hour))
	status(fresh, fresh.Email, suite.At(10*time.Hour))
	status(moved, "previous@example.com", suite.At(10*time.Hour))
	status(disabled, disabled.Email, suite.At(time.Hour))
	// The stored address differs only in case: not a change.
	status(fresh, lower(fresh.Email), suite.At(10*time.Hour))

	// Never checked (moved's check was of another address) first, by ID;
	// then the oldest check first.
	got := dueNames(t, s, suite.At(5*time.Hour), 10)
	if want := []string{"never", "moved", "older", "old"}; !slices.Equal(got, want) {
		t.Fatalf("UsersDueForDomainCheck = %v, want %v", got, want)
	}
	if got := dueNames(t, s, suite.At(5*time.Hour), 1); len(got) != 1 || got[0] != "never" {
		t.Fatalf("UsersDueForDomainCheck(limit 1) = %v, want [never]", got)
	}
	if got := dueNames(t, s, suite.At(time.Hour), 10); !slices.Equal(suite.Sorted(got), []string{"moved", "never"}) {
		t.Fatalf("UsersDueForDomainCheck before every check = %v, want [moved never]", got)
	}
}
