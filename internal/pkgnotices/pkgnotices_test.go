package pkgnotices_test

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/pkgnotices"
)

var at = time.Date(2030, 3, 4, 12, 0, 0, 0, time.UTC)

// render is what the package notices' notifier would mail of e.
func render(t *testing.T, e *core.Event) []notifier.Notice {
	t.Helper()
	ns, err := pkgnotices.Renderer{PublicURL: "https://reg.example/"}.Render(e)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// TestRenderDeprecationGroupsOneRequest: a request's last event names
// whom to tell and every change, grouped by message; the earlier events
// of the same request warrant no mail of their own.
func TestRenderDeprecationGroupsOneRequest(t *testing.T) {
	first := event.Deprecate{Message: "use 2.x"}.At(at, "bob", "@acme/left-pad", "1.0.0")
	if got := render(t, first); len(got) != 0 {
		t.Fatalf("an event that names nobody rendered %+v", got)
	}
	last := event.Deprecate{Message: "broken", Via: "a signed-in browser", IP: "198.51.100.9", Notify: []string{"alice", "bob"},
		Versions: []string{"1.0.0", "1.0.1", "1.0.3"}, Messages: []string{"use 2.x", "use 2.x", "broken"}}.At(at, "bob", "@acme/left-pad", "1.0.3")
	got := render(t, last)
	if len(got) != 1 {
		t.Fatalf("rendered %d notices, want 1", len(got))
	}
	n := got[0]
	if n.Kind != mail.KindPackageDeprecated || !reflect.DeepEqual(n.Notify, []string{"alice", "bob"}) {
		t.Errorf("kind %q to %v, want %q to alice and bob", n.Kind, n.Notify, mail.KindPackageDeprecated)
	}
	want := []mail.Deprecation{{Message: "use 2.x", Versions: []string{"1.0.0", "1.0.1"}}, {Message: "broken", Versions: []string{"1.0.3"}}}
	if !reflect.DeepEqual(n.Notice.Deprecations, want) {
		t.Errorf("deprecations %+v, want %+v", n.Notice.Deprecations, want)
	}
	if n.Notice.PackageURL != "https://reg.example/package/@acme/left-pad" || n.Notice.SecurityURL != "https://reg.example/account" {
		t.Errorf("links %q and %q", n.Notice.PackageURL, n.Notice.SecurityURL)
	}
	if n.Notice.Via != "a signed-in browser" || n.Notice.IP != "198.51.100.9" || n.Notice.Actor != "bob" {
		t.Errorf("says %q via %q from %q", n.Notice.Actor, n.Notice.Via, n.Notice.IP)
	}
}

// TestRenderQuarantineByTheRegistry: a change with no actor names the
// registry itself, and a tag removed with no record of its version says
// so rather than leaving a blank.
func TestRenderQuarantineByTheRegistry(t *testing.T) {
	got := render(t, event.Quarantine{Reason: "malware", Notify: []string{"alice"}}.At(at, "", "widget", "1.0.0"))
	if len(got) != 1 || got[0].Kind != mail.KindPackageQuarantined || got[0].Notice.Actor == "" || got[0].Notice.Reason != "malware" {
		t.Fatalf("quarantine rendered %+v", got)
	}
	got = render(t, event.DistTagRemove{Tag: "next", Notify: []string{"alice"}}.At(at, "alice", "widget", ""))
	if len(got) != 1 || got[0].Notice.FromVersion != "(unknown)" {
		t.Fatalf("tag removal rendered %+v", got)
	}
}

// TestRenderCriticalByDownloads: each package that became critical is
// mailed to its own maintainers only, with the end of the grace period.
func TestRenderCriticalByDownloads(t *testing.T) {
	grace := at.Add(14 * 24 * time.Hour)
	e := event.CriticalChange{Computed: []string{"hot", "warm"}, BecameCritical: []string{"hot", "warm"}, KeyRequiredFrom: grace,
		Recipients: []string{"hot alice", "warm bob", "warm carol"}}.At(at, "rampart", "", "")
	got := render(t, e)
	if len(got) != 2 {
		t.Fatalf("rendered %d notices, want 2: %+v", len(got), got)
	}
	if got[0].Notice.Package != "hot" || !reflect.DeepEqual(got[0].Notify, []string{"alice"}) ||
		got[1].Notice.Package != "warm" || !reflect.DeepEqual(got[1].Notify, []string{"bob", "carol"}) {
		t.Errorf("recipients %+v", got)
	}
	if !got[0].Notice.KeyRequiredFrom.Equal(grace) || got[0].Notice.SecurityURL != "https://reg.example/"+pkgnotices.PathSecurityKeys {
		t.Errorf("hot's notice: deadline %v, link %q", got[0].Notice.KeyRequiredFrom, got[0].Notice.SecurityURL)
	}
}

// TestRenderProvenanceRefused: the owners learn what was expected and
// what came.
func TestRenderProvenanceRefused(t *testing.T) {
	got := render(t, event.ProvenanceRefused{Expected: "https://github.com/acme/widget", Notify: []string{"alice"}}.At(at, "mallory", "widget", "2.0.0"))
	if len(got) != 1 || got[0].Kind != mail.KindProvenanceRefused ||
		got[0].Notice.Reason != "expected provenance from https://github.com/acme/widget, got no provenance" {
		t.Fatalf("rendered %+v", got)
	}
}

// TestRenderIgnoresOtherEvents: events of other areas are not this
// renderer's.
func TestRenderIgnoresOtherEvents(t *testing.T) {
	if got := render(t, event.AccountCreate{}.At(at, "alice")); len(got) != 0 {
		t.Fatalf("an account event rendered %+v", got)
	}
}

// TestSigned names the credential by its mask, never its value, and the
// address without an IPv4-in-IPv6 prefix.
func TestSigned(t *testing.T) {
	for _, c := range []struct {
		p       authz.Principal
		via, ip string
	}{
		{authz.Principal{SessionID: "s", Addr: netip.MustParseAddr("::ffff:198.51.100.9")}, "a signed-in browser", "198.51.100.9"},
		{authz.Principal{Token: &core.Token{Kind: core.TokenSession, Mask: "rmp_Sess…"}}, "npm login session (token rmp_Sess…)", ""},
		{authz.Principal{Token: &core.Token{Mask: "rmp_Ci00…", Name: "ci-publish"}}, `API token rmp_Ci00… ("ci-publish")`, ""},
		{authz.Principal{Token: &core.Token{Mask: "rmp_Ci00…"}}, "API token rmp_Ci00…", ""},
		{authz.Principal{}, "", ""},
	} {
		if via, ip := pkgnotices.Signed(c.p); via != c.via || ip != c.ip {
			t.Errorf("Signed(%+v) = %q, %q; want %q, %q", c.p, via, ip, c.via, c.ip)
		}
	}
}
