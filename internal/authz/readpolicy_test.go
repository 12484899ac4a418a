package authz_test

import (
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

// The read-policy matrix: who may read the registry at all (ReadRegistry)
// under each policy, and who may read an org package when org packages
// are private. Anything else allowed is a leak; anything else refused is
// a broken install.
func TestReadRegistryMatrix(t *testing.T) {
	readTok := &core.Token{Kind: core.TokenAPI, Actions: []core.TokenAction{core.TokenRead}, Mask: "rp_…x", Name: "ci"}
	pubTok := &core.Token{Kind: core.TokenAPI, Actions: []core.TokenAction{core.TokenPublish}, Mask: "rp_…y", Name: "pub"}
	sessTok := &core.Token{Kind: core.TokenSession, Actions: []core.TokenAction{core.TokenRead, core.TokenPublish, core.TokenManage}}
	disabled := &core.User{ID: 110, Name: "dee", EmailVerified: true, DisabledAt: orgNow}
	type who struct {
		name string
		p    authz.Principal
	}
	people := []who{
		{"anonymous", authz.Principal{}},
		{"member session", authz.Principal{User: oNoTeam}},
		{"outsider session", authz.Principal{User: oOutsider}},
		{"outsider read token", authz.Principal{User: oOutsider, Token: readTok}},
		{"member publish-only token", authz.Principal{User: oNoTeam, Token: pubTok}},
		{"member npm login token", authz.Principal{User: oNoTeam, Token: sessTok}},
		{"site admin", authz.Principal{User: oSiteAdm}},
		{"disabled", authz.Principal{User: disabled}},
		{"publisher read", authz.Principal{Publisher: &authz.Publisher{Package: core.PackageRef{Ecosystem: core.EcosystemNPM, Name: "x"}}}},
	}
	cases := []struct {
		policy string
		allow  map[string]bool
	}{
		{"anonymous", map[string]bool{"anonymous": true, "member session": true, "outsider session": true, "outsider read token": true,
			"member publish-only token": true, "member npm login token": true, "site admin": true, "disabled": true, "publisher read": true}},
		{"authenticated", map[string]bool{"member session": true, "outsider session": true, "outsider read token": true,
			"member npm login token": true, "site admin": true}},
		{"org:acme", map[string]bool{"member session": true, "member npm login token": true, "site admin": true}},
	}
	for _, c := range cases {
		pol, err := authz.ParseReadPolicy(c.policy)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range people {
			err := authz.Authorize(w.p, authz.ReadRegistry, authz.Resource{Read: pol, Org: acmeFacts(nil)})
			if got := err == nil; got != c.allow[w.name] {
				t.Errorf("%s, %s: allowed %v, want %v (%v)", c.policy, w.name, got, c.allow[w.name], err)
			}
			if err != nil && w.name == "anonymous" {
				if core.KindOf(err) != core.KindUnauthenticated {
					t.Errorf("%s, anonymous: kind %v, want unauthenticated (npm's login hint needs a 401)", c.policy, core.KindOf(err))
				}
			}
		}
	}
	// A trusted publisher's token publishes on a private registry, and
	// reads nothing.
	pol, _ := authz.ParseReadPolicy("authenticated")
	if err := authz.Authorize(people[8].p, authz.ReadRegistry, authz.Resource{Read: pol, Write: true}); err != nil {
		t.Errorf("publisher write refused: %v", err)
	}
}

func TestParseReadPolicy(t *testing.T) {
	for _, bad := range []string{"public", "org:", "org:@acme", "Authenticated"} {
		if _, err := authz.ParseReadPolicy(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if p, err := authz.ParseReadPolicy("org:acme"); err != nil || p.Mode != authz.ReadOrgMembers || p.Org != "acme" {
		t.Errorf("org:acme = %+v, %v", p, err)
	}
}

// With org packages private, an org's package reads like a restricted one:
// members read it, outsiders and anonymous callers get the not-found answer.
func TestOrgPackagesPrivate(t *testing.T) {
	ref := core.PackageRef{Ecosystem: core.EcosystemNPM, Name: "@acme/lib"}
	want := map[string]bool{rOwner: true, rAdmin: true, rWriter: true, rReader: true, rNoTeam: true}
	for _, r := range orgRoles {
		p := authz.Principal{User: r.user, Now: orgNow}
		err := authz.Authorize(p, authz.ReadPackage, authz.Resource{Package: ref, Maintainers: []core.User{*pkgMaint}, Org: acmeFacts(nil), OrgPrivate: true})
		if got := err == nil; got != want[r.name] {
			t.Errorf("%s: allowed %v, want %v (%v)", r.name, got, want[r.name], err)
		}
		if err != nil && core.KindOf(err) != core.KindNotFound {
			t.Errorf("%s: kind %v, want not found", r.name, core.KindOf(err))
		}
		// Without the policy the package is public.
		if err := authz.Authorize(p, authz.ReadPackage, authz.Resource{Package: ref, Org: acmeFacts(nil)}); err != nil {
			t.Errorf("%s: public org package refused: %v", r.name, err)
		}
	}
	// OrgPrivate without an org (an unscoped package) stays public.
	if err := authz.Authorize(authz.Principal{}, authz.ReadPackage, authz.Resource{Package: core.PackageRef{Ecosystem: core.EcosystemNPM, Name: "lib"}, OrgPrivate: true}); err != nil {
		t.Errorf("unscoped package refused: %v", err)
	}
}
