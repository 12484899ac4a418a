package authz_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
)

// TestRefusalReasons: the refusals whose advice names a client's command
// carry a typed reason and the package, so a front-end can word the
// advice for its own client; Render keeps the kind and rewords only the
// advice.
func TestRefusalReasons(t *testing.T) {
	otherPkg := authz.Principal{User: maintainer, Token: apiToken(everyAction, "other-pkg")}
	for _, tc := range []struct {
		name   string
		err    error
		reason authz.Reason
		pkg    core.PackageRef
		npm    string
	}{
		{"anonymous write", authz.Authorize(authz.Principal{}, authz.PublishVersion, public), authz.ReasonNotLoggedIn, core.PackageRef{},
			"this action needs you to be logged in: run `npm login`"},
		{"upload before its body", authz.NotLoggedIn(), authz.ReasonNotLoggedIn, core.PackageRef{},
			"this action needs you to be logged in: run `npm login`"},
		{"not a maintainer", authz.Authorize(authz.Principal{User: stranger}, authz.Unpublish, public), authz.ReasonNotMaintainer, core.NPM("@acme/widget"),
			"you (olaf) are not a maintainer of @acme/widget; ask one of its maintainers (`npm owner ls @acme/widget`) to add you"},
		{"token for another package", authz.Authorize(otherPkg, authz.PublishVersion, public), authz.ReasonTokenOtherPackages, core.NPM("@acme/widget"),
			"create a token for @acme/widget with `npm token create --packages @acme/widget`"},
		{"token without the action", authz.Authorize(authz.Principal{User: maintainer, Token: apiToken([]core.TokenAction{core.TokenPublish})}, authz.Unpublish, public),
			authz.ReasonTokenNoAction, core.NPM("@acme/widget"), "create one that does with `npm token create`"},
		{"API token managing tokens", authz.Authorize(authz.Principal{User: maintainer, Token: apiToken(everyAction)}, authz.ManageTokens, account),
			authz.ReasonTokenNoTokens, core.PackageRef{}, "log in with `npm login` to create or revoke tokens"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r *authz.Refusal
			if !errors.As(tc.err, &r) {
				t.Fatalf("%v is not a Refusal", tc.err)
			}
			if r.Reason != tc.reason || r.Package != tc.pkg {
				t.Errorf("reason %q package %v, want %q %v", r.Reason, r.Package, tc.reason, tc.pkg)
			}
			rendered := authz.Render(tc.err, npm.Hints{})
			if got := core.Message(rendered); !strings.Contains(got, tc.npm) {
				t.Errorf("npm wording %q does not contain %q", got, tc.npm)
			}
			if core.KindOf(rendered) != core.KindOf(tc.err) {
				t.Errorf("Render changed the kind from %v to %v", core.KindOf(tc.err), core.KindOf(rendered))
			}
			if strings.Contains(core.Message(tc.err), "npm") {
				t.Errorf("authz's own wording %q names npm", core.Message(tc.err))
			}
		})
	}
	plain := core.Errorf(core.KindForbidden, "no")
	if authz.Render(plain, npm.Hints{}) != plain {
		t.Error("Render changed an error that is no Refusal")
	}
}
