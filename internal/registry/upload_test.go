package registry_test

import (
	"context"
	"errors"
	"github.com/rampart/rampart/internal/ecosystem/npm"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/limits"
)

// TestBeginUploadDecidesBeforeTheBody checks what is decided before a
// byte of a PUT /<name> body is read: the declared size, whether the
// caller may send a body to this name at all, and the account's share of
// uploads.
func TestBeginUploadDecidesBeforeTheBody(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "left-pad", "1.0.0", "latest", nil)
	reg := e.svc.Registry
	u, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{Name: "fresh", Email: "fresh@example.com", Password: "a-long-secret-phrase"})
	if err != nil {
		t.Fatal(err)
	}
	unverified := authz.Principal{User: u}
	manageOnly := e.alice
	manageOnly.Token = &core.Token{Kind: core.TokenAPI, Mask: "rmp_Mngd", Name: "deprecate", Actions: []core.TokenAction{core.TokenManage}}

	refused := []struct {
		name string
		p    authz.Principal
		pkg  string
		size int64
		kind core.Kind
		want string
	}{
		{"anonymous", authz.Principal{}, "new-pkg", 10, core.KindUnauthenticated, "npm login"},
		{"unverified account, new name", unverified, "new-pkg", 10, core.KindForbidden, "verify your email"},
		{"unverified account, existing package", unverified, "left-pad", 10, core.KindForbidden, "verify your email"},
		{"another user's package", e.bob, "left-pad", 10, core.KindForbidden, "not a maintainer"},
		{"Content-Length over the limit", e.alice, "left-pad", limits.Default().PublishBodyBytes() + 1, core.KindTooLarge, "limits.tarball_bytes"},
	}
	for _, tc := range refused {
		up, err := reg.BeginUpload(e.ctx, tc.p, tc.pkg, tc.size)
		if err == nil {
			up.Close()
		}
		if core.KindOf(err) != tc.kind || !strings.Contains(core.Message(authz.Render(err, npm.Hints{})), tc.want) {
			t.Errorf("%s: got %v, want %v containing %q", tc.name, err, tc.kind, tc.want)
		}
	}
	// A token that may deprecate but not publish is let in: what the body
	// asks for is decided once it is read.
	up, err := reg.BeginUpload(e.ctx, manageOnly, "left-pad", -1)
	if err != nil {
		t.Fatalf("a maintainer's manage token: %v; it may deprecate", err)
	}
	up.Close()

	// The account's slots: the next upload waits for one (here until its
	// context ends); another account is not affected; a freed slot is
	// taken at once.
	var held []interface{ Close() }
	for range limits.MaxUploadsPerAccount {
		up, err := reg.BeginUpload(e.ctx, e.alice, "left-pad", 10)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, up)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 200*time.Millisecond)
	defer cancel()
	if up, err := reg.BeginUpload(ctx, e.alice, "left-pad", 10); !errors.Is(err, context.DeadlineExceeded) {
		if up != nil {
			up.Close()
		}
		t.Fatalf("an upload past the account's %d: %v, want it to wait for a slot", limits.MaxUploadsPerAccount, err)
	}
	other, err := reg.BeginUpload(e.ctx, e.bob, "bobs-pkg", 10)
	if err != nil {
		t.Fatalf("another account while alice's slots are taken: %v", err)
	}
	other.Close()
	held[0].Close()
	up, err = reg.BeginUpload(e.ctx, e.alice, "left-pad", 10)
	if err != nil {
		t.Fatalf("after a slot was freed: %v", err)
	}
	up.Close()
	for _, h := range held[1:] {
		h.Close()
	}
}
