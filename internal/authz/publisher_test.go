package authz

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// TestPublisherMayOnlyPublishItsPackage: a trusted publisher's principal
// publishes its one package with no one-time password, creates it only
// when its configuration was pending, and is refused everything else,
// even on its own package, even though its user maintains others.
func TestPublisherMayOnlyPublishItsPackage(t *testing.T) {
	u := &core.User{ID: 1, Name: "al", EmailVerified: true}
	widget, other := core.NPM("widget"), core.NPM("other")
	tok := &core.Token{Kind: core.TokenTrusted, Actions: []core.TokenAction{core.TokenPublish}, Packages: []string{"widget"}}
	p := Principal{User: u, Token: tok, MFA: true, Now: time.Now(),
		Publisher: &Publisher{ID: 3, Issuer: "github", Subject: "repo:acme/widget:ref:refs/heads/main", Package: widget}}
	mine := Resource{Package: widget, Maintainers: []core.User{*u}}
	theirs := Resource{Package: other, Maintainers: []core.User{*u}}
	if err := Authorize(p, PublishVersion, mine); err != nil {
		t.Errorf("publishing its package: %v", err)
	}
	if err := Authorize(p, PublishVersion, Resource{Package: widget, Restricted: true, Critical: true}); err != nil {
		t.Errorf("publishing its restricted, critical package: %v", err)
	}
	for _, c := range []struct {
		a Action
		r Resource
	}{
		{PublishVersion, theirs}, {CreatePackage, Resource{Package: widget}}, {CreatePackage, Resource{Package: other}},
		{SetDistTags, mine}, {ChangeOwners, mine}, {Unpublish, mine}, {Deprecate, mine}, {ChangeAccess, mine}, {ManageTrust, mine},
		{CreateTokens, Resource{}}, {ManageTokens, Resource{}}, {RevokeTokens, Resource{}}, {AdminUsers, Resource{}},
		{ReadPackage, Resource{Package: other, Restricted: true, Maintainers: []core.User{*u}}},
	} {
		err := Authorize(p, c.a, c.r)
		if err == nil || NeedsOTP(err) {
			t.Errorf("%s on %s: %v, want a refusal", c.a, c.r.Package.Name, err)
		}
	}
	p.Publisher.Pending = true
	if err := Authorize(p, CreatePackage, Resource{Package: widget}); err != nil {
		t.Errorf("a pending publisher creating its package: %v", err)
	}
	if err := Authorize(p, CreatePackage, Resource{Package: other}); err == nil {
		t.Error("a pending publisher created another package")
	}
	u.DisabledAt = time.Now()
	if err := Authorize(p, PublishVersion, mine); err == nil {
		t.Error("a disabled account's trusted publisher published")
	}
}
