package storetest

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunSweeper runs the cases of store.Sweeper: removing rows that can no
// longer matter.
func RunSweeper(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"ExpiredAndIdle", testSweep},
	})
}

// testSweep: what has expired (or, for mailed links and throttles, has
// been idle since idleSince) goes; what is alive stays.
func testSweep(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	now, idleSince := suite.At(48*time.Hour), suite.At(time.Hour)
	suite.Write(t, s, func(tx store.Tx) error {
		for _, ws := range []*core.WebSession{
			{IDHash: "gone", UserID: alice.ID, CreatedAt: suite.T0, ExpiresAt: suite.At(12 * time.Hour)},
			{IDHash: "alive", UserID: alice.ID, CreatedAt: suite.T0, ExpiresAt: suite.At(60 * time.Hour)},
		} {
			if err := tx.CreateWebSession(ws); err != nil {
				return err
			}
		}
		// Alive first: creating a challenge or a login may clear older
		// expired ones itself.
		for _, c := range []*core.WebAuthnCeremony{
			{IDHash: "c-alive", UserID: alice.ID, Kind: "mfa", Data: []byte("{}"), ExpiresAt: suite.At(49 * time.Hour)},
			{IDHash: "c-gone", UserID: alice.ID, Kind: "mfa", Data: []byte("{}"), ExpiresAt: suite.At(5 * time.Minute)},
		} {
			if err := tx.PutWebAuthnCeremony(c); err != nil {
				return err
			}
		}
		for _, l := range []*core.CLILogin{
			{DoneHash: "d-alive", LoginHash: "l-alive", CreatedAt: now, ExpiresAt: suite.At(49 * time.Hour)},
			{DoneHash: "d-gone", LoginHash: "l-gone", CreatedAt: suite.T0, ExpiresAt: suite.At(10 * time.Minute)},
		} {
			if err := tx.CreateCLILogin(l); err != nil {
				return err
			}
		}
		for _, e := range []*core.EmailToken{
			{Hash: "e-gone", UserID: alice.ID, Purpose: core.PurposeVerifyEmail, Email: alice.Email, CreatedAt: suite.T0, ExpiresAt: suite.At(30 * time.Minute)},
			{Hash: "e-kept", UserID: alice.ID, Purpose: core.PurposePasswordReset, Email: alice.Email, CreatedAt: suite.T0, ExpiresAt: suite.At(2 * time.Hour)},
		} {
			if err := tx.CreateEmailToken(e); err != nil {
				return err
			}
		}
		for _, th := range []*core.Throttle{
			{Key: "idle", Failures: 3, LastFailure: suite.At(time.Minute)},
			{Key: "recent", Failures: 3, LastFailure: suite.At(47 * time.Hour)},
			{Key: "blocking", Failures: 9, LastFailure: suite.At(time.Minute), BlockedUntil: suite.At(50 * time.Hour)},
		} {
			if err := tx.PutThrottle(th); err != nil {
				return err
			}
		}
		return nil
	})
	var n int64
	suite.Write(t, s, func(tx store.Tx) (err error) { n, err = tx.Sweep(now, idleSince); return err })
	if n != 5 {
		t.Errorf("Sweep removed %d rows, want 5", n)
	}
	suite.WantNotFound(t, s, "an expired mailed link", func(tx store.Tx) (*core.EmailToken, error) { return tx.EmailToken("e-gone") })
	suite.Read(t, s, func(tx store.Tx) (*core.EmailToken, error) { return tx.EmailToken("e-kept") })
	suite.WantNotFound(t, s, "an expired session", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession("gone") })
	suite.Read(t, s, func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession("alive") })
	suite.WantNotFound(t, s, "an expired npm web login", func(tx store.Tx) (*core.CLILogin, error) { return tx.CLILoginByDone("d-gone") })
	suite.Read(t, s, func(tx store.Tx) (*core.CLILogin, error) { return tx.CLILoginByDone("d-alive") })
	suite.WantNotFound(t, s, "an idle throttle", func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle("idle") })
	suite.Read(t, s, func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle("recent") })
	suite.Read(t, s, func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle("blocking") })
	err := s.Update(t.Context(), func(tx store.Tx) error { _, err := tx.TakeWebAuthnCeremony("c-gone"); return err })
	suite.WantErr(t, err, core.ErrNotFound, "an expired challenge")
	suite.Write(t, s, func(tx store.Tx) error { _, err := tx.TakeWebAuthnCeremony("c-alive"); return err })
}
