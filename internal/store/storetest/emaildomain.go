package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
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
	got := read(t, s, func(tx store.Tx) (*core.EmailDomainStatus, error) { return tx.EmailDomainStatus(want.UserID) })
	var d diffs
	d.eq("UserID", got.UserID, want.UserID)
	d.eq("Domain", got.Domain, want.Domain)
	d.eq("Status", got.Status, want.Status)
	d.eq("Reasons", orEmpty(got.Reasons), orEmpty(want.Reasons))
	d.time("CheckedAt", got.CheckedAt, want.CheckedAt)
	d.check(t, "EmailDomainStatus")
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
	write(t, s, func(tx store.Tx) error { return tx.PutEmailDomainStatus(st) })
}

func dueNames(t *testing.T, s store.Store, before time.Time, limit int) []string {
	t.Helper()
	us := read(t, s, func(tx store.Tx) ([]core.User, error) { return tx.UsersDueForDomainCheck(before, limit) })
	var names []string
	for _, u := range us {
		names = append(names, u.Name)
	}
	return names
}

func testEmailDomainStatus(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	wantNotFound(t, s, "EmailDomainStatus of a user never checked", func(tx store.Tx) (*core.EmailDomainStatus, error) {
		return tx.EmailDomainStatus(alice.ID)
	})
	st := &core.EmailDomainStatus{UserID: alice.ID, Email: alice.Email, Domain: "example.com", Status: core.DomainOK, CheckedAt: at(time.Minute)}
	putDomainStatus(t, s, st)
	checkDomainStatus(t, s, st)

	// A second put replaces the first whole.
	st2 := &core.EmailDomainStatus{UserID: alice.ID, Email: alice.Email, Domain: "example.com", Status: core.DomainAbandoned,
		Reasons: []string{"the domain does not exist", "the registration is pending delete"}, CheckedAt: at(time.Hour)}
	putDomainStatus(t, s, st2)
	checkDomainStatus(t, s, st2)

	st3 := &core.EmailDomainStatus{UserID: alice.ID, Email: alice.Email, Domain: "example.com", Status: core.DomainUnknown, CheckedAt: at(2 * time.Hour)}
	putDomainStatus(t, s, st3)
	checkDomainStatus(t, s, st3)
}

func testEmailDomainStatusRolledBack(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.PutEmailDomainStatus(&core.EmailDomainStatus{UserID: alice.ID, Email: alice.Email, Domain: "example.com", Status: core.DomainOK, CheckedAt: at(time.Minute)}); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("Update returned nil, want the closure's error")
	}
	wantNotFound(t, s, "EmailDomainStatus after a rolled-back put", func(tx store.Tx) (*core.EmailDomainStatus, error) {
		return tx.EmailDomainStatus(alice.ID)
	})
}

func testUsersDueForDomainCheck(t *testing.T, s store.Store) {
	createUser(t, s, "never")           // verified, never checked
	old := createUser(t, s, "old")      // checked long ago
	older := createUser(t, s, "older")  // checked even longer ago
	fresh := createUser(t, s, "fresh")  // checked recently
	moved := createUser(t, s, "moved")  // checked recently, but the address changed since
	unverified := newUser("unverified") // not verified: nothing to protect
	unverified.EmailVerified = false
	disabled := newUser("disabled")
	disabled.DisabledAt = at(time.Minute)
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateUser(unverified); err != nil {
			return err
		}
		return tx.CreateUser(disabled)
	})
	status := func(u *core.User, email string, when time.Time) {
		putDomainStatus(t, s, &core.EmailDomainStatus{UserID: u.ID, Email: email, Domain: "example.com", Status: core.DomainOK, CheckedAt: when})
	}
	status(old, old.Email, at(2*time.Hour))
	status(older, older.Email, at(time.Hour))
	status(fresh, fresh.Email, at(10*time.Hour))
	status(moved, "previous@example.com", at(10*time.Hour))
	status(disabled, disabled.Email, at(time.Hour))
	// The stored address differs only in case: not a change.
	status(fresh, lower(fresh.Email), at(10*time.Hour))

	// Never checked (moved's check was of another address) first, by ID;
	// then the oldest check first.
	got := dueNames(t, s, at(5*time.Hour), 10)
	if want := []string{"never", "moved", "older", "old"}; !slices.Equal(got, want) {
		t.Fatalf("UsersDueForDomainCheck = %v, want %v", got, want)
	}
	if got := dueNames(t, s, at(5*time.Hour), 1); len(got) != 1 || got[0] != "never" {
		t.Fatalf("UsersDueForDomainCheck(limit 1) = %v, want [never]", got)
	}
	if got := dueNames(t, s, at(time.Hour), 10); !slices.Equal(sorted(got), []string{"moved", "never"}) {
		t.Fatalf("UsersDueForDomainCheck before every check = %v, want [moved never]", got)
	}
}
