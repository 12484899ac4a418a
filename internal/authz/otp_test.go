package authz_test

import (
	"context"
	"go/parser"
	"go/token"
	"net/netip"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
)

// allActions is every action Authorize knows.
var allActions = []authz.Action{
	authz.ReadPackage, authz.CreatePackage, authz.PublishVersion, authz.Unpublish, authz.Deprecate,
	authz.SetDistTags, authz.ChangeOwners, authz.ChangeAccess, authz.ManageTokens, authz.RevokeTokens,
	authz.CreateTokens, authz.AddMFA, authz.ApproveLogin, authz.RemoveMFA, authz.ChangeEmail,
	authz.AdminUsers, authz.AdminNames, authz.UseCredentials, authz.IssueCredentials,
}

// TestAuthorizeTakesNoStore: Authorize is a function of the principal,
// the action and the resource alone. It takes no context and no store,
// and the authz package imports no storage, so it cannot reach one; it
// never spends the one-time password a principal carries, whatever the
// action, the principal or the resource.
func TestAuthorizeTakesNoStore(t *testing.T) {
	ft := reflect.TypeOf(authz.Authorize)
	want := []reflect.Type{reflect.TypeFor[authz.Principal](), reflect.TypeFor[authz.Action](), reflect.TypeFor[authz.Resource]()}
	if ft.NumIn() != len(want) {
		t.Fatalf("Authorize takes %d arguments, want %v", ft.NumIn(), want)
	}
	for i, w := range want {
		if ft.In(i) != w || ft.In(i) == reflect.TypeFor[context.Context]() {
			t.Errorf("Authorize argument %d is %v, want %v", i, ft.In(i), w)
		}
	}

	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range src.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(path, "/internal/store") || path == "database/sql" || path == "context" || path == "net/http" {
				t.Errorf("%s imports %s: authz decides from its arguments alone", f, path)
			}
		}
	}

	u := &core.User{ID: 1, Name: "alice", EmailVerified: true, Admin: true}
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	all := []core.TokenAction{core.TokenRead, core.TokenPublish, core.TokenManage}
	principals := []authz.Principal{
		{User: u, MFA: true, Token: &core.Token{Kind: core.TokenSession, Actions: all}, Now: at},
		{User: u, MFA: true, Token: &core.Token{Kind: core.TokenAPI, Actions: all}, Now: at},
		{User: u, MFA: true, MFAVerifiedAt: at.Add(-time.Hour), Now: at, SessionID: "s"},
		{User: u, MFA: true, MFAVerifiedAt: at, Now: at, SessionID: "s", PhishingResistantAt: at},
		{User: &core.User{ID: 2, Name: "bob"}, MFA: true, Now: at},
	}
	resources := []authz.Resource{
		{},
		{Package: core.NPM("p"), Maintainers: []core.User{*u}},
		{Package: core.NPM("p"), Maintainers: []core.User{*u}, Critical: true},
		{Package: core.NPM("p"), Maintainers: []core.User{{ID: 9}}, Restricted: true},
	}
	for _, p := range principals {
		for _, a := range allActions {
			for _, r := range resources {
				p.OTP = authz.NewOTPCheck(func() error {
					t.Errorf("Authorize(%s, %+v) spent the one-time password", a, r)
					return nil
				})
				_ = authz.Authorize(p, a, r)
				if p.OTPPassed() {
					t.Errorf("Authorize(%s, %+v) recorded a passed code", a, r)
				}
			}
		}
	}
}

// TestOTPDecision: the decision that a code is needed, and what Settle
// does with it.
func TestOTPDecision(t *testing.T) {
	u := &core.User{ID: 1, Name: "alice", EmailVerified: true}
	mine := authz.Resource{Package: core.NPM("p"), Maintainers: []core.User{*u}}
	theirs := authz.Resource{Package: core.NPM("p"), Maintainers: []core.User{{ID: 2, Name: "bob"}}}
	session := &core.Token{Kind: core.TokenSession, Actions: []core.TokenAction{core.TokenRead, core.TokenPublish, core.TokenManage}}
	spends := 0
	withCode := func(err error) authz.Principal {
		spends = 0
		return authz.Principal{User: u, MFA: true, Token: session, OTP: authz.NewOTPCheck(func() error { spends++; return err })}
	}

	t.Run("no code: the decision, worded for npm", func(t *testing.T) {
		p := authz.Principal{User: u, MFA: true, Token: session}
		err := authz.Authorize(p, authz.PublishVersion, mine)
		if !authz.NeedsOTP(err) || core.KindOf(err) != core.KindOTPRequired || !strings.HasPrefix(core.Message(err), authz.OTPRequiredMessage+": ") {
			t.Fatalf("Authorize: %v, want the OTP decision", err)
		}
		// npm's words: the flag for an authenticator's code, and what a
		// security key's owner does.
		msg := core.Message(authz.Render(err, npm.Hints{}))
		for _, want := range []string{authz.OTPRequiredMessage + ": ", "--otp=<code>", "authenticator app", "recovery codes", "security key or passkey", "approve with the key"} {
			if !strings.Contains(msg, want) {
				t.Errorf("npm's message %q lacks %q", msg, want)
			}
		}
		if err := authz.Settle(p, func() error { return authz.Authorize(p, authz.PublishVersion, mine) }); core.Message(err) != core.Message(authz.Authorize(p, authz.PublishVersion, mine)) || core.KindOf(err) != core.KindOTPRequired {
			t.Fatalf("Settle without a code: %v", err)
		}
	})

	t.Run("a good code is spent once and the second question allows", func(t *testing.T) {
		p := withCode(nil)
		asked := 0
		err := authz.Settle(p, func() error { asked++; return authz.Authorize(p, authz.PublishVersion, mine) })
		if err != nil || spends != 1 || asked != 2 || !p.OTPPassed() {
			t.Fatalf("Settle: %v, spent %d times, asked %d times, passed %v; want nil, 1, 2, true", err, spends, asked, p.OTPPassed())
		}
		// The same request asks again (another check of the same write):
		// the code is not spent twice.
		if err := authz.Require(p, authz.Deprecate, mine); err != nil || spends != 1 {
			t.Fatalf("second Require in the request: %v, spent %d times", err, spends)
		}
	})

	t.Run("the code is not spent when the action is refused for another reason", func(t *testing.T) {
		p := withCode(nil)
		err := authz.Require(p, authz.Unpublish, theirs)
		if core.KindOf(err) != core.KindForbidden || spends != 0 || p.OTPPassed() {
			t.Fatalf("Require on another's package: %v, spent %d times; want forbidden, 0", err, spends)
		}
		disabled := withCode(nil)
		du := *u
		du.DisabledAt = time.Unix(1, 0)
		disabled.User = &du
		if err := authz.Require(disabled, authz.PublishVersion, authz.Resource{Package: core.NPM("p"), Maintainers: []core.User{du}}); core.KindOf(err) != core.KindForbidden || spends != 0 {
			t.Fatalf("Require of a disabled account: %v, spent %d times", err, spends)
		}
	})

	t.Run("the code is not spent by an action that needs none", func(t *testing.T) {
		p := withCode(nil)
		if err := authz.Require(p, authz.ReadPackage, mine); err != nil || spends != 0 {
			t.Fatalf("read: %v, spent %d times", err, spends)
		}
		if err := authz.Require(p, authz.ManageTokens, authz.Resource{}); err != nil || spends != 0 {
			t.Fatalf("list tokens: %v, spent %d times", err, spends)
		}
	})

	t.Run("a wrong code asks again", func(t *testing.T) {
		p := withCode(core.Errorf(core.KindUnauthenticated, "that code is not valid"))
		err := authz.Require(p, authz.PublishVersion, mine)
		if core.KindOf(err) != core.KindOTPRequired || core.Message(err) != "that code is not valid" || spends != 1 {
			t.Fatalf("wrong code: %v (%v), spent %d times; want otp_required with the check's message", err, core.KindOf(err), spends)
		}
		if p.OTPPassed() {
			t.Fatal("a wrong code counts as passed")
		}
		// Asked again in the same request: still the decision, and the
		// code is not tried a second time.
		if err := authz.Authorize(p, authz.PublishVersion, mine); !authz.NeedsOTP(err) {
			t.Fatalf("Authorize after a wrong code: %v", err)
		}
		if err := authz.Require(p, authz.PublishVersion, mine); core.KindOf(err) != core.KindOTPRequired || spends != 1 {
			t.Fatalf("Require after a wrong code: %v, spent %d times", err, spends)
		}
	})

	t.Run("other failures of the check come back as they are", func(t *testing.T) {
		p := withCode(core.RateLimited(time.Second, "too many"))
		if err := authz.Require(p, authz.PublishVersion, mine); core.KindOf(err) != core.KindRateLimited {
			t.Fatalf("rate limited check: %v", err)
		}
	})
}

// TestUseCredentials: the refusals of a credential itself, whatever the
// request does, go through Authorize: a disabled account, a token used
// from outside its ranges; worded as authentication always worded them.
func TestUseCredentials(t *testing.T) {
	u := &core.User{ID: 1, Name: "alice"}
	tok := &core.Token{Kind: core.TokenAPI, Mask: "rmp_ab...cd", CIDRs: []string{"10.0.0.0/8"}}
	in, out := netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("192.0.2.1")
	if err := authz.Authorize(authz.Principal{User: u, Token: tok, Addr: in}, authz.UseCredentials, authz.Resource{}); err != nil {
		t.Errorf("a token from its range: %v", err)
	}
	err := authz.Authorize(authz.Principal{User: u, Token: tok, Addr: out}, authz.UseCredentials, authz.Resource{})
	if core.KindOf(err) != core.KindForbidden || core.Message(err) != "this token (rmp_ab...cd) may only be used from 10.0.0.0/8, not from 192.0.2.1" {
		t.Errorf("a token from outside its range: %v", err)
	}
	gone := *u
	gone.DisabledAt = time.Unix(1, 0)
	err = authz.Authorize(authz.Principal{User: &gone, Token: tok, Addr: in}, authz.UseCredentials, authz.Resource{})
	if core.KindOf(err) != core.KindForbidden || core.Message(err) != "account alice is disabled; contact the registry's administrators" {
		t.Errorf("a disabled account: %v", err)
	}
	// The same rule holds for every other action.
	err = authz.Authorize(authz.Principal{User: u, Token: &core.Token{Kind: core.TokenSession, CIDRs: tok.CIDRs, Mask: tok.Mask,
		Actions: []core.TokenAction{core.TokenRead}}, Addr: out}, authz.ReadPackage, authz.Resource{Package: core.NPM("p"), Restricted: true, Maintainers: []core.User{*u}})
	if core.KindOf(err) != core.KindForbidden {
		t.Errorf("reading with a token from outside its range: %v", err)
	}
	if err := authz.Authorize(authz.Principal{}, authz.UseCredentials, authz.Resource{}); core.KindOf(err) != core.KindUnauthenticated {
		t.Errorf("no credentials: %v", err)
	}
}
