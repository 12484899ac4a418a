package account_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// Sweep removes what expired: an npm web login nobody finished is gone a
// day on, while a browser session still alive stays signed in.
func TestSweepRemovesExpired(t *testing.T) {
	e := newMFAEnv(t)
	_, value := e.keyUserSession("alice")
	urls, err := e.svc.Authn.StartCLILogin(e.ctx, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	loginID := urls.LoginURL[len("https://registry.example/"+authn.PathCLILogin):]
	e.clock.Advance(time.Hour)
	n, err := e.svc.Limiter.Sweep(e.ctx)
	if err != nil || n == 0 {
		t.Fatalf("Sweep = %d, %v; want the expired npm login gone", n, err)
	}
	// The service already refuses an expired login; the row itself must
	// be gone from the store.
	sum := sha256.Sum256([]byte(loginID))
	err = e.st.View(e.ctx, func(tx store.Tx) error {
		_, err := tx.CLILoginByLogin(hex.EncodeToString(sum[:]))
		return err
	})
	if !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("the npm login's row after the sweep: %v, want it gone", err)
	}
	if p := e.svc.Authn.WebPrincipal(e.ctx, value, e.addr); p.User == nil {
		t.Fatal("a live session was swept")
	}
}
