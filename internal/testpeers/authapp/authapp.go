// Package authapp is an authenticator app for tests: it turns a TOTP
// secret (RFC 6238, 30-second steps, six digits, SHA-1: what Rampart
// enrols) into codes, as a phone would.
package authapp

import (
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Clock is the server's clock, where the test can move it
// (testserver.Server): the app reads the server's time rather than its
// own, and moves the clock on to the next step instead of waiting for it.
type Clock interface {
	Now(t testing.TB) time.Time
	Advance(t testing.TB, d time.Duration) time.Time
}

// App hands out a code for a time step the server has not seen yet,
// moving the server's clock to the next step (or, without a Clock,
// waiting for it) when it must, so that a test never trips the server's
// refusal of a replayed code by accident.
type App struct {
	Secret string // base32, as the enrolment page shows it
	// Clock is the server's; nil means real time, and waits.
	Clock Clock

	mu   sync.Mutex
	last int64 // the last step a code was handed out for
}

// Code returns a code the server accepts once.
func (a *App) Code(t testing.TB) string {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	for {
		now := time.Now()
		if a.Clock != nil {
			now = a.Clock.Now(t)
		}
		cur := now.Unix() / 30
		target := max(a.last+1, cur)
		// The server accepts one step either side of its own; a step
		// ahead is fine, two are not yet.
		if target <= cur+1 {
			a.last = target
			c, err := totp.GenerateCodeCustom(a.Secret, time.Unix(target*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		next := time.Unix((cur+1)*30, 0).Sub(now) + 100*time.Millisecond
		if a.Clock != nil {
			a.Clock.Advance(t, next)
			continue
		}
		time.Sleep(next)
	}
}
