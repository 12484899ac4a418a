package account_test

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/account"
)

// Sweep removes what expired: an npm web login nobody finished is gone a
// day on, while a browser session still alive stays signed in.
func TestSweepRemovesExpired(t *testing.T) {
	e := newMFAEnv(t)
	_, value := e.keyUserSession("alice")
	urls, err := e.svc.StartCLILogin(e.ctx, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	loginID := urls.LoginURL[len("https://registry.example/"+account.PathCLILogin):]
	e.clock.Advance(time.Hour)
	n, err := e.svc.Sweep(e.ctx)
	if err != nil || n == 0 {
		t.Fatalf("Sweep = %d, %v; want the expired npm login gone", n, err)
	}
	if _, err := e.svc.CLILogin(e.ctx, loginID); err == nil {
		t.Fatal("the npm login survived the sweep")
	}
	if p := e.svc.WebPrincipal(e.ctx, value, e.addr); p.User == nil {
		t.Fatal("a live session was swept")
	}
}
