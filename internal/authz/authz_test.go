package authz_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
)

// Cell outcomes.
const (
	allow  = core.Kind(-1)
	unauth = core.KindUnauthenticated
	forbid = core.KindForbidden
	hidden = core.KindNotFound // the package looks absent
)

var (
	maintainer = &core.User{ID: 1, Name: "mia", EmailVerified: true}
	stranger   = &core.User{ID: 2, Name: "olaf", EmailVerified: true}
	// disabled is a maintainer whose account an admin disabled.
	disabled = &core.User{ID: 3, Name: "dora", EmailVerified: true, DisabledAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	// admin administers the registry but maintains nothing.
	admin = &core.User{ID: 4, Name: "root", EmailVerified: true, Admin: true}
	// unverified signed up but has not followed the mailed link yet; an
	// admin added it as a maintainer before verification was required.
	unverified = &core.User{ID: 5, Name: "uma", Email: "uma@example.com"}
	// breached signed in with a password found in a data breach.
	breached = &core.User{ID: 6, Name: "bea", EmailVerified: true, PasswordCompromised: true}

	everyAction = []core.TokenAction{core.TokenRead, core.TokenPublish, core.TokenManage}
)

func sessionToken() *core.Token {
	return &core.Token{Kind: core.TokenSession, Mask: "rmp_Sess", Name: "npm login", Actions: everyAction}
}

func apiToken(actions []core.TokenAction, packages ...string) *core.Token {
	return &core.Token{Kind: core.TokenAPI, Mask: "rmp_Api0", Name: "ci", Actions: actions, Packages: packages}
}

// The package under test is @acme/widget, maintained by mia and dora.
const pkg = "@acme/widget"

var (
	maintainers = []core.User{*maintainer, *disabled, *unverified, *breached}
	public      = authz.Resource{Package: core.NPM(pkg), Maintainers: maintainers}
	restricted  = authz.Resource{Package: core.NPM(pkg), Maintainers: maintainers, Restricted: true}
	newName     = authz.Resource{Package: core.NPM("@acme/new")}
	account     = authz.Resource{}
)

// columns are the actions of the matrix, each aimed at its resource.
var columns = []struct {
	name     string
	action   authz.Action
	resource authz.Resource
}{
	{"ReadPublic", authz.ReadPackage, public},
	{"ReadRestricted", authz.ReadPackage, restricted},
	{"CreatePackage", authz.CreatePackage, newName},
	{"PublishVersion", authz.PublishVersion, public},
	{"Unpublish", authz.Unpublish, public},
	{"Deprecate", authz.Deprecate, public},
	{"SetDistTags", authz.SetDistTags, public},
	{"ChangeOwners", authz.ChangeOwners, public},
	{"ChangeAccess", authz.ChangeAccess, restricted},
	{"ManageTokens", authz.ManageTokens, account},
	{"CreateTokens", authz.CreateTokens, account},
	{"AdminUsers", authz.AdminUsers, account},
	{"AdminNames", authz.AdminNames, public},
}

// TestAuthorizeMatrix checks every principal against every action. Each
// row lists the outcome per column, in the order of columns.
func TestAuthorizeMatrix(t *testing.T) {
	F, U, H, A := forbid, unauth, hidden, allow
	rows := []struct {
		name string
		p    authz.Principal
		want [13]core.Kind
	}{
		{"anonymous", authz.Principal{},
			[13]core.Kind{A, H, U, U, U, U, U, U, U, U, U, U, U}},
		{"maintainer, browser session", authz.Principal{User: maintainer},
			[13]core.Kind{A, A, A, A, A, A, A, A, A, A, A, F, F}},
		{"maintainer, npm login token", authz.Principal{User: maintainer, Token: sessionToken()},
			[13]core.Kind{A, A, A, A, A, A, A, A, A, A, A, F, F}},
		{"non-maintainer, npm login token", authz.Principal{User: stranger, Token: sessionToken()},
			[13]core.Kind{A, H, A, F, F, F, F, F, F, A, A, F, F}},
		{"maintainer, API token for another package", authz.Principal{User: maintainer, Token: apiToken(everyAction, "other-pkg")},
			[13]core.Kind{A, F, F, F, F, F, F, F, F, F, F, F, F}},
		{"maintainer, API token for @acme/*", authz.Principal{User: maintainer, Token: apiToken(everyAction, "@acme/*")},
			[13]core.Kind{A, A, A, A, A, A, A, A, A, F, F, F, F}},
		{"maintainer, API token for @acme-corp/*", authz.Principal{User: maintainer, Token: apiToken(everyAction, "@acme-corp/*")},
			[13]core.Kind{A, F, F, F, F, F, F, F, F, F, F, F, F}},
		{"maintainer, read-only API token", authz.Principal{User: maintainer, Token: apiToken([]core.TokenAction{core.TokenRead})},
			[13]core.Kind{A, A, F, F, F, F, F, F, F, F, F, F, F}},
		{"maintainer, publish-only API token", authz.Principal{User: maintainer, Token: apiToken([]core.TokenAction{core.TokenPublish})},
			[13]core.Kind{A, F, A, A, F, F, F, F, F, F, F, F, F}},
		{"maintainer, read+publish API token (npm token create)", authz.Principal{User: maintainer, Token: apiToken([]core.TokenAction{core.TokenRead, core.TokenPublish})},
			[13]core.Kind{A, A, A, A, F, F, F, F, F, F, F, F, F}},
		{"non-maintainer, publish-only API token", authz.Principal{User: stranger, Token: apiToken([]core.TokenAction{core.TokenPublish})},
			[13]core.Kind{A, H, A, F, F, F, F, F, F, F, F, F, F}},
		{"non-maintainer, API token for another package", authz.Principal{User: stranger, Token: apiToken(everyAction, "other-pkg")},
			[13]core.Kind{A, H, F, F, F, F, F, F, F, F, F, F, F}},
		{"disabled maintainer, npm login token", authz.Principal{User: disabled, Token: sessionToken()},
			[13]core.Kind{A, F, F, F, F, F, F, F, F, F, F, F, F}},
		{"disabled maintainer, browser session", authz.Principal{User: disabled},
			[13]core.Kind{A, F, F, F, F, F, F, F, F, F, F, F, F}},
		// Without a security key, no administrative power (admin_test.go).
		{"admin, browser session", authz.Principal{User: admin},
			[13]core.Kind{A, H, A, F, F, F, F, F, F, A, A, F, F}},
		{"admin, npm login token", authz.Principal{User: admin, Token: sessionToken()},
			[13]core.Kind{A, H, A, F, F, F, F, F, F, A, A, F, F}},
		{"unverified maintainer, browser session", authz.Principal{User: unverified},
			[13]core.Kind{A, A, F, F, A, A, A, A, A, A, F, F, F}},
		{"unverified maintainer, npm login token", authz.Principal{User: unverified, Token: sessionToken()},
			[13]core.Kind{A, A, F, F, A, A, A, A, A, A, F, F, F}},
		{"breached-password maintainer, browser session", authz.Principal{User: breached},
			[13]core.Kind{A, A, F, F, F, F, F, F, F, F, F, F, F}},
		{"breached-password maintainer, npm login token", authz.Principal{User: breached, Token: sessionToken()},
			[13]core.Kind{A, A, F, F, F, F, F, F, F, F, F, F, F}},
		{"admin, API token with every action", authz.Principal{User: admin, Token: apiToken(everyAction)},
			[13]core.Kind{A, H, A, F, F, F, F, F, F, F, F, F, F}},
	}
	if len(columns) != 13 {
		t.Fatalf("the matrix has %d columns but rows list 13 outcomes", len(columns))
	}
	for _, row := range rows {
		for i, col := range columns {
			t.Run(row.name+"/"+col.name, func(t *testing.T) {
				err := authz.Authorize(row.p, col.action, col.resource)
				want := row.want[i]
				switch {
				case want == allow && err != nil:
					t.Errorf("denied (%v: %v), want allowed", core.KindOf(err), err)
				case want != allow && err == nil:
					t.Errorf("allowed, want %v", want)
				case want != allow && core.KindOf(err) != want:
					t.Errorf("denied with %v (%v), want %v", core.KindOf(err), err, want)
				}
				if err != nil && core.Message(err) == "" {
					t.Errorf("a denial with no message for the user")
				}
			})
		}
	}
}

// TestAuthorizeMessages checks that denials tell the user what to do.
func TestAuthorizeMessages(t *testing.T) {
	for _, tc := range []struct {
		name   string
		p      authz.Principal
		action authz.Action
		r      authz.Resource
		want   []string
	}{
		{"anonymous write", authz.Principal{}, authz.PublishVersion, public, []string{"npm login"}},
		{"restricted read by a stranger", authz.Principal{User: stranger}, authz.ReadPackage, restricted,
			[]string{"package @acme/widget was not found or you do not have permission to read it"}},
		{"not a maintainer", authz.Principal{User: stranger}, authz.Unpublish, public,
			[]string{"you (olaf) are not a maintainer of @acme/widget", "npm owner ls @acme/widget"}},
		{"token for another package", authz.Principal{User: maintainer, Token: apiToken(everyAction, "other-pkg")}, authz.PublishVersion, public,
			[]string{"limited to other-pkg", "cannot act on @acme/widget", "npm token create --packages @acme/widget"}},
		{"token without the action", authz.Principal{User: maintainer, Token: apiToken([]core.TokenAction{core.TokenPublish})}, authz.Unpublish, public,
			[]string{"does not allow managing packages", "npm token create"}},
		{"API token managing tokens", authz.Principal{User: maintainer, Token: apiToken(everyAction)}, authz.ManageTokens, account,
			[]string{"cannot manage tokens", "npm login"}},
		{"admin action with a token", authz.Principal{User: admin, Token: sessionToken()}, authz.AdminNames, public,
			[]string{"signed-in browser session"}},
		{"admin action by a user", authz.Principal{User: maintainer}, authz.AdminUsers, account,
			[]string{"only registry administrators"}},
		{"disabled account", authz.Principal{User: disabled}, authz.PublishVersion, public,
			[]string{"account dora is disabled"}},
		{"unverified email, publish", authz.Principal{User: unverified, AccountURL: "https://npm.example/account"}, authz.PublishVersion, public,
			[]string{"verify your email address", "follow the link mailed to u***@example.com", "request a new one at https://npm.example/account"}},
		{"unverified email, new package", authz.Principal{User: unverified, Token: sessionToken()}, authz.CreatePackage, newName,
			[]string{"verify your email address", "u***@example.com"}},
		{"unverified email, token creation", authz.Principal{User: unverified}, authz.CreateTokens, account,
			[]string{"verify your email address"}},
		{"breached password", authz.Principal{User: breached, AccountURL: "https://npm.example/account"}, authz.PublishVersion, public,
			[]string{"your password appears in a known data breach; change it at https://npm.example/account/password"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := authz.Authorize(tc.p, tc.action, tc.r)
			if err == nil {
				t.Fatal("allowed")
			}
			// What the npm CLI shows: the refusal worded with npm's
			// hints, as the npm front-end and the web UI render it.
			rendered := authz.Render(err, npm.Hints{})
			msg := core.Message(rendered)
			if core.KindOf(rendered) != core.KindOf(err) {
				t.Errorf("rendering changed the kind from %v to %v", core.KindOf(err), core.KindOf(rendered))
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
			if tc.p.Token != nil && strings.Contains(msg, "rmp_") && !strings.Contains(msg, tc.p.Token.Mask) {
				t.Errorf("message %q shows more of the token than its mask", msg)
			}
			// authz itself names no client's commands (issue 8): the
			// advice is the front-end's.
			if neutral := core.Message(err); strings.Contains(neutral, "`npm ") {
				t.Errorf("authz's own message %q names an npm command", neutral)
			}
		})
	}
}

func TestAuthorizeUnknownActionDenied(t *testing.T) {
	for _, p := range []authz.Principal{{User: admin}, {User: maintainer, Token: sessionToken()}} {
		err := authz.Authorize(p, authz.Action("package.launch_missiles"), public)
		if core.KindOf(err) != core.KindForbidden {
			t.Errorf("%s: unknown action gave %v, want forbidden", p.Name(), err)
		}
	}
}

func TestPackageMatches(t *testing.T) {
	for _, tc := range []struct {
		patterns []string
		name     string
		want     bool
	}{
		{nil, "anything", true},
		{[]string{"left-pad"}, "left-pad", true},
		{[]string{"left-pad"}, "left-pad-evil", false},
		{[]string{"left-pad"}, "Left-Pad", false},
		{[]string{"@acme/*"}, "@acme/widget", true},
		{[]string{"@acme/*"}, "@acme-corp/widget", false},
		{[]string{"@acme/*"}, "@acmex/widget", false},
		{[]string{"@acme/*"}, "acme", false},
		{[]string{"@acme/*"}, "@acme/a/b", false},
		{[]string{"@acme/widget"}, "@acme/widget", true},
		{[]string{"@acme/widget"}, "@acme/gadget", false},
		{[]string{"*"}, "left-pad", false}, // only "@scope/*" is a pattern
		{[]string{"left-pad", "@acme/*"}, "@acme/x", true},
		// A pattern may name its ecosystem; a bare one is npm's, as every
		// token made before packages had one.
		{[]string{"npm:left-pad"}, "left-pad", true},
		{[]string{"npm:@acme/*"}, "@acme/widget", true},
		{[]string{"go:left-pad"}, "left-pad", false},
		{[]string{"go:@acme/*"}, "@acme/widget", false},
	} {
		if got := authz.PackageMatches(tc.patterns, core.NPM(tc.name)); got != tc.want {
			t.Errorf("PackageMatches(%q, %q) = %t, want %t", tc.patterns, tc.name, got, tc.want)
		}
	}
}

// TestPackageMatchesOtherEcosystem: a bare pattern never covers another
// ecosystem's package of the same name, and npm's "@scope/*" is npm's.
func TestPackageMatchesOtherEcosystem(t *testing.T) {
	goRef := func(name string) core.PackageRef { return core.PackageRef{Ecosystem: "go", Name: name} }
	for _, tc := range []struct {
		patterns []string
		ref      core.PackageRef
		want     bool
	}{
		{nil, goRef("left-pad"), true},
		{[]string{"left-pad"}, goRef("left-pad"), false},
		{[]string{"go:left-pad"}, goRef("left-pad"), true},
		{[]string{"go:@acme/*"}, goRef("@acme/x"), false},
		{[]string{"npm:left-pad", "go:example.com/m"}, goRef("example.com/m"), true},
	} {
		if got := authz.PackageMatches(tc.patterns, tc.ref); got != tc.want {
			t.Errorf("PackageMatches(%q, %v) = %t, want %t", tc.patterns, tc.ref, got, tc.want)
		}
	}
}

func TestAddrAllowed(t *testing.T) {
	for _, tc := range []struct {
		cidrs []string
		addr  string
		want  bool
	}{
		{nil, "198.51.100.1", true},
		{[]string{"192.0.2.0/24"}, "192.0.2.1", true},
		{[]string{"192.0.2.0/24"}, "::ffff:192.0.2.1", true},
		{[]string{"192.0.2.0/24"}, "192.0.3.1", false},
		{[]string{"192.0.2.0/24"}, "2001:db8::1", false},
		{[]string{"2001:db8::/32"}, "2001:db8::1", true},
		{[]string{"not a cidr"}, "192.0.2.1", false},
		{[]string{"192.0.2.0/24"}, "", false}, // an unknown address is outside every range
	} {
		var a netip.Addr
		if tc.addr != "" {
			a = netip.MustParseAddr(tc.addr)
		}
		if got := authz.AddrAllowed(tc.cidrs, a); got != tc.want {
			t.Errorf("AddrAllowed(%q, %s) = %t, want %t", tc.cidrs, fmt.Sprint(tc.addr), got, tc.want)
		}
	}
}
