package registry_test

import (
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/store"
)

var bothOwners = []string{"alice@example.com", "bob@example.com"}

// TestChangeNotices: deprecation, dist-tag moves and unpublish each mail
// every maintainer once per request, saying what changed, who did it,
// with which credential and from where; a refused or empty change mails
// nobody.
func TestChangeNotices(t *testing.T) {
	e := newNotifyEnv(t, &recordingMailer{})
	for _, v := range []string{"1.0.0", "1.0.1", "1.0.2", "1.0.3"} {
		e.publish(e.withToken("alice"), "left-pad", v)
	}
	if err := e.setOwners(e.withToken("alice"), "left-pad", "alice", "bob"); err != nil {
		t.Fatal(err)
	}
	e.sent()

	// Three versions deprecated by one request: one mail each, listing them.
	msgs := map[string]string{"1.0.0": "use 2.x", "1.0.1": "use 2.x", "1.0.2": "use 2.x"}
	if err := e.reg.Deprecate(e.ctx, e.withSession("bob"), "left-pad", msgs); err != nil {
		t.Fatal(err)
	}
	wantMail(t, e.sent(), mail.KindPackageDeprecated, bothOwners,
		"Deprecation changed on left-pad", "Deprecated:  1.0.0, 1.0.1, 1.0.2", "Message:     use 2.x",
		"Changed by: bob", "Using:      npm login session (token rmp_Sess)", "IP address: 198.51.100.9")

	// Un-deprecating one and deprecating another in one request.
	if err := e.reg.Deprecate(e.ctx, e.withToken("alice"), "left-pad", map[string]string{"1.0.0": "", "1.0.3": "broken"}); err != nil {
		t.Fatal(err)
	}
	wantMail(t, e.sent(), mail.KindPackageDeprecated, bothOwners,
		"No longer deprecated: 1.0.0", "Deprecated:  1.0.3", "Message:     broken", `API token rmp_Ci00 ("ci-publish")`)

	// Setting what is already set changes nothing and mails nobody.
	if err := e.reg.Deprecate(e.ctx, e.withToken("alice"), "left-pad", map[string]string{"1.0.3": "broken"}); err != nil {
		t.Fatal(err)
	}
	if got := e.sent(); len(got) != 0 {
		t.Fatalf("an unchanged deprecation mailed %v", got)
	}

	if err := e.reg.SetDistTag(e.ctx, e.withToken("alice"), "left-pad", "next", "1.0.2"); err != nil {
		t.Fatal(err)
	}
	wantMail(t, e.sent(), mail.KindDistTagChanged, bothOwners,
		"The next tag of left-pad now points at 1.0.2", "Was:        (a new tag)", "Changed by: alice")
	if err := e.reg.SetDistTag(e.ctx, e.withToken("alice"), "left-pad", "latest", "1.0.1"); err != nil {
		t.Fatal(err)
	}
	wantMail(t, e.sent(), mail.KindDistTagChanged, bothOwners,
		"The latest tag of left-pad now points at 1.0.1", "Now:        1.0.1", "Was:        1.0.3", "without a version")
	// The same tag on the same version again: nothing moves, no mail.
	if err := e.reg.SetDistTag(e.ctx, e.withToken("alice"), "left-pad", "latest", "1.0.1"); err != nil {
		t.Fatal(err)
	}
	if got := e.sent(); len(got) != 0 {
		t.Fatalf("a tag that did not move mailed %v", got)
	}
	if err := e.reg.RemoveDistTag(e.ctx, e.inBrowser("bob"), "left-pad", "next"); err != nil {
		t.Fatal(err)
	}
	wantMail(t, e.sent(), mail.KindDistTagChanged, bothOwners,
		"The next tag of left-pad was removed", "Was:        1.0.2", "Using:      a signed-in browser")

	// Refused changes mail nobody: a stranger, a missing tag, a missing version.
	if err := e.reg.SetDistTag(e.ctx, e.withToken("carol"), "left-pad", "evil", "1.0.0"); core.KindOf(err) != core.KindForbidden {
		t.Fatalf("carol tagging: %v, want forbidden", err)
	}
	if err := e.reg.RemoveDistTag(e.ctx, e.withToken("alice"), "left-pad", "nope"); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("removing a missing tag: %v, want not found", err)
	}
	if err := e.reg.UnpublishVersions(e.ctx, e.withToken("alice"), "left-pad", []string{"9.9.9"}); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("unpublishing a missing version: %v, want not found", err)
	}
	if err := e.reg.Deprecate(e.ctx, e.withToken("carol"), "left-pad", map[string]string{"1.0.1": "pwned"}); core.KindOf(err) != core.KindForbidden {
		t.Fatalf("carol deprecating: %v, want forbidden", err)
	}
	if got := e.sent(); len(got) != 0 {
		t.Fatalf("refused changes mailed %v", got)
	}

	// Two versions unpublished by one request: one mail each.
	if err := e.reg.UnpublishVersions(e.ctx, e.withToken("bob"), "left-pad", []string{"1.0.3", "1.0.2"}); err != nil {
		t.Fatal(err)
	}
	wantMail(t, e.sent(), mail.KindPackageUnpublished, bothOwners,
		"2 versions of left-pad were unpublished", "Versions:       1.0.2, 1.0.3", "Unpublished by: bob")

	// The whole package.
	if err := e.reg.UnpublishPackage(e.ctx, e.withToken("alice"), "left-pad"); err != nil {
		t.Fatal(err)
	}
	wantMail(t, e.sent(), mail.KindPackageUnpublished, bothOwners,
		"left-pad was unpublished on", "every version", "Versions:       1.0.0, 1.0.1", "Unpublished by: alice")
}

// TestQuarantineNotices: the events the malware scan and moderation will
// record are mailed to the maintainers they name; the registry's own
// quarantine names itself as the actor. An event that names nobody (an
// older schema) mails nobody.
func TestQuarantineNotices(t *testing.T) {
	e := newNotifyEnv(t, &recordingMailer{})
	e.publish(e.withToken("alice"), "left-pad", "1.0.0")
	e.sent()
	at := policyT0
	appendEvents := func(evs ...*core.Event) {
		t.Helper()
		if err := e.st.Update(e.ctx, func(tx store.Tx) error {
			for _, ev := range evs {
				if err := tx.AppendEvent(ev); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	appendEvents(event.Quarantine{Reason: "install script reads ~/.npmrc and sends it out", Notify: []string{"alice", "bob"}}.At(at, "", "left-pad", "1.0.0"))
	wantMail(t, e.sent(), mail.KindPackageQuarantined, bothOwners,
		"left-pad@1.0.0 was quarantined", "Why:            install script reads ~/.npmrc and sends it out",
		"Quarantined by: the registry itself (automatic)", "Nobody can install it")

	appendEvents(event.QuarantineRelease{Reason: "a false positive", Via: "a signed-in browser", IP: "192.0.2.4", Notify: []string{"alice"}}.At(at, "mod", "left-pad", "1.0.0"))
	wantMail(t, e.sent(), mail.KindPackageReleased, []string{"alice@example.com"},
		"left-pad@1.0.0 was released from quarantine", "Released by: mod", "Why:         a false positive", "IP address: 192.0.2.4")

	// A schema-1 deprecation (no recipients) and a non-final event of a
	// request mail nobody.
	appendEvents(event.Deprecate{Message: "old"}.At(at, "alice", "left-pad", "1.0.0"))
	if got := e.sent(); len(got) != 0 {
		t.Fatalf("an event naming nobody mailed %v", got)
	}
}
