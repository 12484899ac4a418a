package pwcheck_test

import (
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/pwcheck"
	"github.com/rampart/rampart/internal/testpeers/hibp"
)

// TestFamousPasswordsRefusedWhenHIBPIsDown: with HIBP unreachable, the
// offline fallback alone must still refuse the passphrases everyone has
// seen as examples, however they are written. zxcvbn scores "correct horse
// battery staple" as strong, so before the famous list it was accepted.
func TestFamousPasswordsRefusedWhenHIBPIsDown(t *testing.T) {
	srv := hibp.Start(t)
	srv.SetDown(true)
	c := newChecker(t, pwcheck.Options{HIBPBaseURL: srv.URL})
	for _, pw := range []string{
		"correct horse battery staple",
		"Correct Horse Battery Staple",
		"correct-horse-battery-staple",
		"CorrectHorseBatteryStaple",
		"correct_horse_battery_staple1!",
		"  correct   horse battery staple ",
		"Tr0ub4dor&3",
		"tr0ub4dor&3",
		"Tr0ub4dor",
		"troubador",
		"C0rrect H0rse B4ttery St4ple",
		"c0rr3ct-h0rs3-b@tt3ry-$tapl3!",
		"hunter2",
		"Luke, I am your father",
		"the quick brown fox jumps over the lazy dog",
		"May the Force be with you!",
		"Pass Word 123", // the common list, with spaces taken out
	} {
		v := check(t, c, pw)
		if v.Source != pwcheck.SourceOffline {
			t.Fatalf("%q: source %q, want the offline fallback", pw, v.Source)
		}
		if v.Acceptable(c.MinScore()) || !v.Compromised() {
			t.Errorf("%q: verdict %+v, want refused as known to attackers", pw, v)
			continue
		}
		if err := v.Refusal(c.MinScore()); err == nil || !strings.Contains(err.Error(), "choose another") {
			t.Errorf("%q: refusal %v, want a reason that says to choose another", pw, err)
		}
	}
	// Strong passphrases that merely share words with famous ones pass.
	for _, pw := range []string{strong, strong2, "correct horse battery stapler quokka", "staple battery horse correct velvet"} {
		if v := check(t, c, pw); !v.Acceptable(c.MinScore()) {
			t.Errorf("%q: verdict %+v, want acceptable", pw, v)
		}
	}
}
