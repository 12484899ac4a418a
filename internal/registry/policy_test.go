package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/server"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/testclock"
)

// policyT0 is when every policy scenario starts.
var policyT0 = time.Date(2030, 3, 4, 12, 0, 0, 0, time.UTC)

// policyEnv is the registry's services over a fresh data folder, with the
// default unpublish policy (72 hours, 300 weekly downloads) and a clock
// the test controls.
type policyEnv struct {
	t     *testing.T
	ctx   context.Context
	clock *testclock.Clock
	svc   *server.Services
	// alice maintains the packages under test; bob is another user; admin
	// is a registry administrator signed in with a browser session.
	alice, bob, admin authz.Principal
	// clients numbers the clients that download, so that each download
	// comes from an address not seen before.
	clients uint32
	// data is the data folder (mail lands in its outbox).
	data string
}

func newPolicyEnv(t *testing.T) *policyEnv {
	t.Helper()
	return newPolicyEnvWith(t, nil)
}

// newPolicyEnvWith is newPolicyEnv with the default configuration changed
// by edit first.
func newPolicyEnvWith(t *testing.T, edit func(*config.Config)) *policyEnv {
	t.Helper()
	cfg := config.Default()
	if edit != nil {
		edit(&cfg)
	}
	cfg.Data = t.TempDir()
	cfg.InsecureFastPasswordHashing = true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Unpublish.WindowHours != 72 || cfg.Unpublish.MaxWeeklyDownloads != 300 {
		t.Fatalf("the default policy changed (%+v); update this test and docs/policies/unpublish.md together", cfg.Unpublish)
	}
	ctx := context.Background()
	clock := testclock.New(policyT0)
	svc, err := server.Open(ctx, cfg, server.Options{Now: clock.Now, Log: slog.New(slog.DiscardHandler),
		WrapStore: func(s store.Store) store.Store { return eventcheck.Wrap(t, s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(ctx) })
	e := &policyEnv{t: t, ctx: ctx, clock: clock, svc: svc, data: cfg.Data}
	e.alice = e.user("alice", false)
	e.bob = e.user("bob", false)
	e.admin = e.user("root", true)
	return e
}

func (e *policyEnv) user(name string, admin bool) authz.Principal {
	e.t.Helper()
	u, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{
		Name: name, Email: name + "@example.com", Password: "a-long-secret-phrase", Verified: true, Admin: admin,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	// An administrator acts as `rampart admin` does, from the console: in
	// a browser it would need a security key (authz/admin_test.go).
	return authz.Principal{User: u, Console: admin}
}

// at moves the clock to policyT0+d.
func (e *policyEnv) at(d time.Duration) { e.clock.Set(policyT0.Add(d)) }

// publish publishes name@version with the given dist-tag and dependencies
// and fails the test if it is refused.
func (e *policyEnv) publish(p authz.Principal, name, version, tag string, deps map[string]string) {
	e.t.Helper()
	if err := e.tryPublish(p, name, version, tag, deps); err != nil {
		e.t.Fatalf("publishing %s@%s as %s: %v", name, version, p.Name(), err)
	}
}

func (e *policyEnv) tryPublish(p authz.Principal, name, version, tag string, deps map[string]string) error {
	e.t.Helper()
	_, err := e.svc.Registry.Publish(e.ctx, p, name, policyPublishBody(name, version, tag, deps))
	return err
}

// download fetches name@version's tarball completely n times, as installs
// on n different machines do.
func (e *policyEnv) download(name, version string, n int) {
	e.t.Helper()
	for range n {
		e.clients++
		e.downloadFrom(netip.AddrFrom4([4]byte{10, byte(e.clients >> 16), byte(e.clients >> 8), byte(e.clients)}), name, version)
	}
}

// downloadFrom fetches name@version's tarball completely once from addr.
func (e *policyEnv) downloadFrom(addr netip.Addr, name, version string) {
	e.t.Helper()
	tb, err := e.svc.Registry.OpenTarball(e.ctx, authz.Principal{Addr: addr}, name, npm.TarballFilename(name, version))
	if err != nil {
		e.t.Fatalf("downloading %s@%s: %v", name, version, err)
	}
	e.svc.Registry.CountDownload(tb, addr)
	tb.Close()
}

// flushDownloads writes the buffered download counts, dated now, as the
// server's background flush does every few seconds.
func (e *policyEnv) flushDownloads() {
	e.t.Helper()
	if err := e.svc.Registry.Close(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

func (e *policyEnv) unpublish(p authz.Principal, name string, versions ...string) error {
	return e.svc.Registry.UnpublishVersions(e.ctx, p, name, versions)
}

// served returns the packument's versions and dist-tags, or the error
// an npm client would get for it.
func (e *policyEnv) served(name string) (versions []string, tags map[string]string, err error) {
	doc, err := e.svc.Registry.Document(e.ctx, authz.Principal{}, name, store.DocAll)
	if err != nil {
		return nil, nil, err
	}
	var full struct {
		Versions map[string]json.RawMessage `json:"versions"`
		DistTags map[string]string          `json:"dist-tags"`
	}
	if err := json.Unmarshal(doc.Full, &full); err != nil {
		e.t.Fatal(err)
	}
	for v := range full.Versions {
		versions = append(versions, v)
	}
	slices.Sort(versions)
	return versions, full.DistTags, nil
}

func (e *policyEnv) mustServe(name string, wantVersions ...string) map[string]string {
	e.t.Helper()
	got, tags, err := e.served(name)
	if err != nil {
		e.t.Fatalf("packument of %s: %v", name, err)
	}
	slices.Sort(wantVersions)
	if !slices.Equal(got, wantVersions) {
		e.t.Fatalf("%s serves versions %v, want %v", name, got, wantVersions)
	}
	return tags
}

// events returns the event types recorded for a package, oldest first.
func (e *policyEnv) events(name string) []string {
	e.t.Helper()
	var out []string
	err := e.svc.Store.View(e.ctx, func(tx store.Tx) error {
		evs, err := tx.EventsFor(name, 1000)
		for i := len(evs) - 1; i >= 0; i-- {
			out = append(out, evs[i].Type+" "+evs[i].Version)
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func wantPolicyErr(t *testing.T, err error, kind core.Kind, substrings ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", kind)
	}
	if got := core.KindOf(err); got != kind {
		t.Fatalf("got %v error %q, want %v", got, err, kind)
	}
	msg := core.Message(err)
	for _, s := range substrings {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q does not contain %q", msg, s)
		}
	}
}

func TestUnpublishWithinWindowAlwaysAllowed(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "lib", "1.0.0", "latest", nil)
	e.publish(e.alice, "lib", "1.1.0", "latest", nil)
	// Everything that blocks an unpublish later: a dependent and plenty of downloads.
	e.publish(e.bob, "app", "1.0.0", "latest", map[string]string{"lib": "^1.0.0"})
	e.download("lib", "1.1.0", 500)

	e.at(71 * time.Hour)
	if err := e.unpublish(e.alice, "lib", "1.1.0"); err != nil {
		t.Fatalf("unpublish 71 hours after publishing: %v", err)
	}
	e.mustServe("lib", "1.0.0")
	if _, err := e.svc.Registry.OpenTarball(e.ctx, authz.Principal{}, "lib", "lib-1.1.0.tgz"); core.KindOf(err) != core.KindNotFound {
		t.Errorf("tarball of the unpublished version: %v, want not found", err)
	}
	if got := e.events("lib"); !slices.Contains(got, core.EventUnpublish+" 1.1.0") {
		t.Errorf("events %v have no unpublish of 1.1.0", got)
	}
	// The window is per version: 1.0.0 is as old as 1.1.0 was.
	e.at(73 * time.Hour)
	wantPolicyErr(t, e.unpublish(e.alice, "lib", "1.0.0"), core.KindForbidden, "more than 72 hours ago")
}

func TestUnpublishAfterWindowWithoutDependentsOrDownloads(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "lib", "1.0.0", "latest", nil)
	e.publish(e.alice, "lib", "1.1.0", "latest", nil)
	e.download("lib", "1.0.0", 299) // one short of the limit

	e.at(73 * time.Hour)
	if err := e.unpublish(e.alice, "lib", "1.1.0"); err != nil {
		t.Fatalf("unpublish with no dependents and 299 weekly downloads: %v", err)
	}
	e.mustServe("lib", "1.0.0")
}

func TestUnpublishAfterWindowRefusedWithDependents(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "lib", "1.0.0", "latest", nil)
	e.publish(e.alice, "lib", "1.1.0", "latest", nil)
	e.publish(e.bob, "app", "1.0.0", "latest", map[string]string{"lib": "^1.0.0"})
	// Depending on yourself does not count.
	e.publish(e.alice, "lib", "1.2.0", "latest", map[string]string{"lib": "^1.0.0"})

	e.at(73 * time.Hour)
	err := e.unpublish(e.alice, "lib", "1.1.0")
	wantPolicyErr(t, err, core.KindForbidden,
		"cannot unpublish lib@1.1.0",
		"1 other package(s) on this registry depend on it",
		`npm deprecate lib@1.1.0 "<message>"`,
		"policies/unpublish")
	if strings.Contains(core.Message(err), "downloaded") {
		t.Errorf("message %q blames downloads, but there were none", core.Message(err))
	}
	e.mustServe("lib", "1.0.0", "1.1.0", "1.2.0")
	if got := e.events("lib"); slices.Contains(got, core.EventUnpublish+" 1.1.0") {
		t.Errorf("a refused unpublish wrote an event: %v", got)
	}
	// Deprecation, which the message points to, is allowed.
	if err := e.svc.Registry.Deprecate(e.ctx, e.alice, "lib", map[string]string{"1.1.0": "use 1.2.0"}); err != nil {
		t.Errorf("deprecate: %v", err)
	}

	// Once the dependent is gone (its only version unpublished), nothing
	// holds lib any more.
	if err := e.unpublish(e.bob, "app", "1.0.0"); err != nil {
		t.Fatalf("unpublishing the dependent: %v", err)
	}
	if err := e.unpublish(e.alice, "lib", "1.1.0"); err != nil {
		t.Fatalf("unpublish once no package depends on lib: %v", err)
	}
}

func TestUnpublishAfterWindowRefusedWithWeeklyDownloads(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "lib", "1.0.0", "latest", nil)
	e.publish(e.alice, "lib", "1.1.0", "latest", nil)
	// 150 downloads written to the store, 150 still buffered: both count.
	e.at(48 * time.Hour)
	e.download("lib", "1.0.0", 150)
	e.flushDownloads()
	e.download("lib", "1.1.0", 150)

	e.at(73 * time.Hour)
	wantPolicyErr(t, e.unpublish(e.alice, "lib", "1.1.0"), core.KindForbidden,
		"it was downloaded 300 times in the last 7 days (the limit is 300)",
		"npm deprecate lib@1.1.0")
	e.mustServe("lib", "1.0.0", "1.1.0")
}

func TestUnpublishIgnoresDownloadsOlderThanAWeek(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "lib", "1.0.0", "latest", nil)
	e.publish(e.alice, "lib", "1.1.0", "latest", nil)
	e.download("lib", "1.0.0", 300)
	e.flushDownloads() // dated policyT0

	e.at(73 * time.Hour)
	wantPolicyErr(t, e.unpublish(e.alice, "lib", "1.1.0"), core.KindForbidden, "downloaded 300 times")

	e.at(8*24*time.Hour + time.Hour)
	if err := e.unpublish(e.alice, "lib", "1.1.0"); err != nil {
		t.Fatalf("unpublish when the 300 downloads are 8 days old: %v", err)
	}
	e.mustServe("lib", "1.0.0")
}

func TestUnpublishLatestRepointsToHighestRelease(t *testing.T) {
	e := newPolicyEnv(t)
	for _, v := range []string{"1.0.0", "1.2.0", "1.10.0"} {
		e.publish(e.alice, "lib", v, "latest", nil)
	}
	e.publish(e.alice, "lib", "2.0.0-rc.1", "next", nil)
	e.publish(e.alice, "lib", "1.11.0", "latest", nil)
	if tags := e.mustServe("lib", "1.0.0", "1.2.0", "1.10.0", "1.11.0", "2.0.0-rc.1"); tags["latest"] != "1.11.0" {
		t.Fatalf("latest is %q before the unpublish, want 1.11.0", tags["latest"])
	}

	if err := e.unpublish(e.alice, "lib", "1.11.0"); err != nil {
		t.Fatal(err)
	}
	// 1.10.0 is the highest release: not 1.2.0 (string order), not the
	// 2.0.0-rc.1 prerelease.
	tags := e.mustServe("lib", "1.0.0", "1.2.0", "1.10.0", "2.0.0-rc.1")
	if want := map[string]string{"latest": "1.10.0", "next": "2.0.0-rc.1"}; !maps.Equal(tags, want) {
		t.Errorf("dist-tags %v, want %v", tags, want)
	}
	if api, err := e.svc.Registry.DistTags(e.ctx, authz.Principal{}, "lib"); err != nil || !maps.Equal(api, tags) {
		t.Errorf("DistTags() = %v, %v; the packument says %v", api, err, tags)
	}

	// A tag left pointing at an unpublished version is dropped.
	if err := e.unpublish(e.alice, "lib", "2.0.0-rc.1"); err != nil {
		t.Fatal(err)
	}
	tags = e.mustServe("lib", "1.0.0", "1.2.0", "1.10.0")
	if want := map[string]string{"latest": "1.10.0"}; !maps.Equal(tags, want) {
		t.Errorf("dist-tags %v, want %v", tags, want)
	}
}

func TestUnpublishEverythingHoldsTheName(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "held", "1.0.0", "latest", nil)
	e.publish(e.alice, "held", "1.1.0", "latest", nil)
	e.publish(e.alice, "live", "1.0.0", "latest", nil)

	if err := e.unpublish(e.alice, "held", "1.0.0", "1.1.0"); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.served("held")
	wantPolicyErr(t, err, core.KindNotFound, "held was unpublished on")
	if _, err := e.svc.Registry.OpenTarball(e.ctx, authz.Principal{}, "held", "held-1.0.0.tgz"); core.KindOf(err) != core.KindNotFound {
		t.Errorf("tarball of a tombstoned package: %v, want not found", err)
	}
	if got := e.events("held"); !slices.Contains(got, core.EventUnpublishAll+" ") {
		t.Errorf("events %v have no %s", got, core.EventUnpublishAll)
	}

	// Nobody else can take the name.
	wantPolicyErr(t, e.tryPublish(e.bob, "held", "9.0.0", "latest", nil), core.KindForbidden,
		"held so that nobody else can take it", "ask the registry's administrators to release it")
	// Only an administrator can release it, and only a held name.
	wantPolicyErr(t, e.svc.Registry.ReleaseName(e.ctx, e.bob, "held"), core.KindForbidden, "only registry administrators")
	wantPolicyErr(t, e.svc.Registry.ReleaseName(e.ctx, e.alice, "held"), core.KindForbidden, "only registry administrators")
	wantPolicyErr(t, e.svc.Registry.ReleaseName(e.ctx, e.admin, "live"), core.KindConflict, "not a held name")
	wantPolicyErr(t, e.svc.Registry.ReleaseName(e.ctx, e.admin, "never-existed"), core.KindNotFound)

	e.at(time.Hour)
	if err := e.svc.Registry.ReleaseName(e.ctx, e.admin, "held"); err != nil {
		t.Fatalf("admin release: %v", err)
	}
	if got := e.events("held"); !slices.Contains(got, core.EventNameRelease+" ") {
		t.Errorf("events %v have no %s", got, core.EventNameRelease)
	}
	// The new owner starts fresh, but the old version numbers stay used.
	for _, v := range []string{"1.0.0", "1.1.0"} {
		wantPolicyErr(t, e.tryPublish(e.bob, "held", v, "latest", nil), core.KindConflict, "versions are immutable, even after unpublish")
	}
	e.publish(e.bob, "held", "2.0.0", "latest", nil)
	tags := e.mustServe("held", "2.0.0")
	if want := map[string]string{"latest": "2.0.0"}; !maps.Equal(tags, want) {
		t.Errorf("dist-tags %v, want %v", tags, want)
	}
	// The name changed hands: the former maintainer is out.
	wantPolicyErr(t, e.tryPublish(e.alice, "held", "3.0.0", "latest", nil), core.KindForbidden, "not a maintainer of held")
	view, err := e.svc.Registry.View(e.ctx, e.bob, "held")
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Maintainers) != 1 || view.Maintainers[0].Name != "bob" {
		t.Errorf("maintainers after the takeover: %v, want only bob", view.Maintainers)
	}
}

func TestFormerMaintainerMayRevivePackageWithNewVersion(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "phoenix", "1.0.0", "latest", nil)
	if err := e.svc.Registry.UnpublishPackage(e.ctx, e.alice, "phoenix"); err != nil {
		t.Fatal(err)
	}
	wantPolicyErr(t, e.tryPublish(e.alice, "phoenix", "1.0.0", "latest", nil), core.KindConflict, "versions are immutable")
	e.publish(e.alice, "phoenix", "1.0.1", "latest", nil)
	e.mustServe("phoenix", "1.0.1")
	wantPolicyErr(t, e.tryPublish(e.bob, "phoenix", "1.0.2", "latest", nil), core.KindForbidden, "not a maintainer of phoenix")
}

// policyPublishBody builds what npm publish sends: a tarball whose package.json
// matches the document, with the dependencies in both.
func policyPublishBody(name, version, tag string, deps map[string]string) []byte {
	pj := map[string]any{"name": name, "version": version, "description": "test package " + name}
	if len(deps) > 0 {
		pj["dependencies"] = deps
	}
	tgz := npmfixture.Package(pj, map[string]string{"index.js": fmt.Sprintf("module.exports = %q\n", name+"@"+version)})
	return npmfixture.Publish{Manifest: pj, Tarball: tgz, Tag: tag}.Body()
}

// A version named twice in one request must not count as two: that would
// make "every live version" look requested and unpublish (and tombstone)
// versions nobody asked for, past the policy.
func TestUnpublishDuplicateVersionsTakeNothingElse(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "lib", "1.0.0", "latest", nil)
	e.publish(e.bob, "app", "1.0.0", "latest", map[string]string{"lib": "^1.0.0"})
	e.at(72 * time.Hour)
	e.publish(e.alice, "lib", "1.1.0", "latest", nil)

	// 1.1.0 is an hour old and may go; 1.0.0 is past the window with a
	// dependent and must stay.
	e.at(73 * time.Hour)
	if err := e.unpublish(e.alice, "lib", "1.1.0", "1.1.0"); err != nil {
		t.Fatalf("unpublishing 1.1.0 (named twice): %v", err)
	}
	e.mustServe("lib", "1.0.0")
}
