package accounts

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunEmailHistory runs the cases of store.EmailHistory: the addresses each
// account has had.
func RunEmailHistory(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"Lifecycle", testEmailHistory},
		{"Concurrent", testEmailHistoryConcurrent},
	})
}

// periods reads the user's address periods in effect since the given time.
func periods(t *testing.T, s store.Store, userID int64, since time.Time) []store.EmailPeriod {
	t.Helper()
	return suite.Read(t, s, func(tx store.Tx) ([]store.EmailPeriod, error) { return tx.EmailPeriodsSince(userID, since) })
}

// checkPeriods compares periods field by field, times at the store's
// precision, so that a failure shows the whole list.
func checkPeriods(t *testing.T, what string, got, want []store.EmailPeriod) {
	t.Helper()
	show := func(ps []store.EmailPeriod) string {
		var b strings.Builder
		for _, p := range ps {
			fmt.Fprintf(&b, "\n\t%s from %v until %v", p.Email, p.From, p.Until)
		}
		return b.String()
	}
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		same = got[i].Email == want[i].Email && suite.SameTime(got[i].From, want[i].From) &&
			got[i].Until.IsZero() == want[i].Until.IsZero() && suite.SameTime(got[i].Until, want[i].Until)
	}
	if !same {
		t.Fatalf("%s:%s\nwant:%s", what, show(got), show(want))
	}
}

// testEmailHistory: an address becomes current, stays current when
// recorded again, ends, and is listed while its period reaches the
// given time; one user's history is not another's.
func testEmailHistory(t *testing.T, s store.Store) {
	alice, bob := suite.CreateUser(t, s, "alice"), suite.CreateUser(t, s, "bob")
	if got := periods(t, s, alice.ID, time.Time{}); got == nil || len(got) != 0 {
		t.Fatalf("EmailPeriodsSince of a user with no history = %#v, want an empty list", got)
	}
	// Ending with nothing current (an address never verified) is no error.
	suite.Write(t, s, func(tx store.Tx) error { return tx.EndEmailPeriod(alice.ID, suite.At(0)) })
	checkPeriods(t, "after ending nothing", periods(t, s, alice.ID, time.Time{}), nil)

	suite.Write(t, s, func(tx store.Tx) error { return tx.StartEmailPeriod(alice.ID, "Alice@Example.com", suite.At(0)) })
	suite.Write(t, s, func(tx store.Tx) error { return tx.StartEmailPeriod(bob.ID, "bob@example.com", suite.At(0)) })
	// The current address again, in another case: it keeps its start.
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.StartEmailPeriod(alice.ID, "alice@example.COM", suite.At(time.Hour))
	})
	a1 := store.EmailPeriod{Email: "Alice@Example.com", From: suite.At(0)}
	checkPeriods(t, "one current address", periods(t, s, alice.ID, suite.At(0)), []store.EmailPeriod{a1})

	// Another address while one is current is a conflict.
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.StartEmailPeriod(alice.ID, "alice@new.example", suite.At(time.Hour))
	})
	suite.WantErr(t, err, core.ErrConflict, "StartEmailPeriod while another address is current")
	checkPeriods(t, "after the conflict", periods(t, s, alice.ID, suite.At(0)), []store.EmailPeriod{a1})

	// A change: the old period ends where the new one starts.
	change := func(email string, when time.Time) {
		t.Helper()
		suite.Write(t, s, func(tx store.Tx) error {
			if err := tx.EndEmailPeriod(alice.ID, when); err != nil {
				return err
			}
			return tx.StartEmailPeriod(alice.ID, email, when)
		})
	}
	change("alice@new.example", suite.At(2*time.Hour))
	change("alice@example.com", suite.At(5*time.Hour)) // back to the first address
	a1.Until = suite.At(2 * time.Hour)
	a2 := store.EmailPeriod{Email: "alice@new.example", From: suite.At(2 * time.Hour), Until: suite.At(5 * time.Hour)}
	a3 := store.EmailPeriod{Email: "alice@example.com", From: suite.At(5 * time.Hour)}
	checkPeriods(t, "since the start", periods(t, s, alice.ID, time.Time{}), []store.EmailPeriod{a3, a2, a1})
	// A period that ended exactly at since is listed; one that ended
	// before is not.
	checkPeriods(t, "since the first change", periods(t, s, alice.ID, suite.At(2*time.Hour)), []store.EmailPeriod{a3, a2, a1})
	checkPeriods(t, "just after the first change", periods(t, s, alice.ID, suite.At(2*time.Hour+time.Millisecond)), []store.EmailPeriod{a3, a2})
	checkPeriods(t, "after the second change", periods(t, s, alice.ID, suite.At(6*time.Hour)), []store.EmailPeriod{a3})
	// The current address is in effect at every time, the future included.
	checkPeriods(t, "since a time to come", periods(t, s, alice.ID, suite.At(1000*time.Hour)), []store.EmailPeriod{a3})
	checkPeriods(t, "bob's", periods(t, s, bob.ID, time.Time{}), []store.EmailPeriod{{Email: "bob@example.com", From: suite.At(0)}})

	// Ended without a successor: listed until since passes its end.
	suite.Write(t, s, func(tx store.Tx) error { return tx.EndEmailPeriod(alice.ID, suite.At(7*time.Hour)) })
	a3.Until = suite.At(7 * time.Hour)
	checkPeriods(t, "after the end", periods(t, s, alice.ID, suite.At(7*time.Hour)), []store.EmailPeriod{a3})
	checkPeriods(t, "after the end has passed", periods(t, s, alice.ID, suite.At(8*time.Hour)), nil)

	// A rolled-back start leaves nothing behind.
	err = s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.StartEmailPeriod(alice.ID, "alice@rolled.back", suite.At(9*time.Hour)); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("Update returned nil for a failing function")
	}
	checkPeriods(t, "after a rolled-back start", periods(t, s, alice.ID, suite.At(8*time.Hour)), nil)
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.StartEmailPeriod(alice.ID, "alice@example.org", suite.At(9*time.Hour))
	})
	checkPeriods(t, "a new current address", periods(t, s, alice.ID, suite.At(8*time.Hour)), []store.EmailPeriod{{Email: "alice@example.org", From: suite.At(9 * time.Hour)}})
}

// testEmailHistoryConcurrent: of concurrent starts of different addresses
// for one user, exactly one wins; a user never has two current addresses.
func testEmailHistoryConcurrent(t *testing.T, s store.Store) {
	const workers = 20
	alice := suite.CreateUser(t, s, "alice")
	suite.OneWins(t, s, workers, core.ErrConflict, "starts", func(i int, tx store.Tx) error {
		return tx.StartEmailPeriod(alice.ID, fmt.Sprintf("alice%d@example.com", i), suite.T0)
	})
	if got := periods(t, s, alice.ID, time.Time{}); len(got) != 1 {
		t.Fatalf("%d periods are recorded after concurrent starts, want exactly 1", len(got))
	}
}
