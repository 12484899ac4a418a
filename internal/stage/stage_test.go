package stage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/server"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/testclock"
)

var t0 = time.Date(2030, 3, 4, 12, 0, 0, 0, time.UTC)

// env is the services over a fresh data folder, every write checked for
// its event (eventcheck), with a clock the test moves.
type env struct {
	t     *testing.T
	ctx   context.Context
	clock *testclock.Clock
	svc   *server.Services
	// alice maintains "lib"; bob does not.
	alice, bob *core.User
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
	e := &env{t: t, ctx: ctx, clock: clock, svc: svc}
	e.alice, e.bob = e.user("alice"), e.user("bob")
	if _, err := svc.Registry.Publish(ctx, e.as(e.alice), "lib", body("lib", "1.0.0")); err != nil {
		t.Fatal(err)
	}
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

// as is u in a browser that confirmed its second factor just now.
func (e *env) as(u *core.User) authz.Principal {
	now := e.clock.Now()
	return authz.Principal{User: u, MFA: true, MFAVerifiedAt: now, Now: now}
}

func body(name, version string) []byte {
	pj := map[string]any{"name": name, "version": version, "description": "test package " + name + " " + version}
	tgz := npmfixture.Package(pj, map[string]string{"index.js": fmt.Sprintf("module.exports = %q\n", name+"@"+version)})
	return npmfixture.Publish{Manifest: pj, Tarball: tgz, Tag: "latest"}.Body()
}

func (e *env) stage(version string) string {
	e.t.Helper()
	pub, err := e.svc.Registry.Stage(e.ctx, e.as(e.alice), "lib", body("lib", version))
	if err != nil {
		e.t.Fatalf("staging lib@%s: %v", version, err)
	}
	if pub.StageID == "" {
		e.t.Fatalf("staging lib@%s: no stage id", version)
	}
	return pub.StageID
}

// served is the versions and latest of lib's document as p reads it.
func (e *env) served(p authz.Principal) ([]string, string) {
	e.t.Helper()
	doc, err := e.svc.Registry.Document(e.ctx, p, "lib", store.DocFull)
	if err != nil {
		e.t.Fatal(err)
	}
	var full struct {
		Versions map[string]json.RawMessage `json:"versions"`
		DistTags map[string]string          `json:"dist-tags"`
	}
	if err := json.Unmarshal(doc.Full, &full); err != nil {
		e.t.Fatal(err)
	}
	var vs []string
	for v := range full.Versions {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs, full.DistTags["latest"]
}

func (e *env) events() []string {
	e.t.Helper()
	var out []string
	err := e.svc.Store.View(e.ctx, func(tx store.Tx) error {
		evs, err := tx.EventsFor("lib", 100)
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

func TestApproveMovesTheTagOnlyThen(t *testing.T) {
	e := newEnv(t)
	id := e.stage("1.1.0")
	if vs, latest := e.served(authz.Principal{}); !slices.Equal(vs, []string{"1.0.0"}) || latest != "1.0.0" {
		t.Fatalf("anyone reads %v, latest %s, with 1.1.0 staged", vs, latest)
	}
	if vs, _ := e.served(e.as(e.bob)); !slices.Equal(vs, []string{"1.0.0"}) {
		t.Fatalf("a stranger reads %v", vs)
	}
	if vs, latest := e.served(e.as(e.alice)); !slices.Equal(vs, []string{"1.0.0", "1.1.0"}) || latest != "1.0.0" {
		t.Fatalf("the maintainer reads %v, latest %s; want the staged version, latest unmoved", vs, latest)
	}

	// A stranger learns nothing of it and cannot decide it.
	if l, n, err := e.svc.Stage.List(e.ctx, e.as(e.bob), "", 0, 100); err != nil || n != 0 || len(l) != 0 {
		t.Fatalf("bob's list: %v %d %v", l, n, err)
	}
	for what, err := range map[string]error{
		"Get":     func() error { _, err := e.svc.Stage.Get(e.ctx, e.as(e.bob), id); return err }(),
		"Approve": func() error { _, err := e.svc.Stage.Approve(e.ctx, e.as(e.bob), id); return err }(),
		"Reject":  func() error { _, err := e.svc.Stage.Reject(e.ctx, e.as(e.bob), id); return err }(),
	} {
		if core.KindOf(err) != core.KindNotFound {
			t.Errorf("bob's %s: %v, want not found", what, err)
		}
	}
	// Without a second factor, the maintainer cannot approve either.
	if _, err := e.svc.Stage.Approve(e.ctx, authz.Principal{User: e.alice, Now: e.clock.Now()}, id); core.KindOf(err) != core.KindForbidden {
		t.Fatalf("approval without a second factor: %v", err)
	}
	// Its second factor confirmed an hour ago: the browser must confirm again.
	e.clock.Set(t0.Add(time.Hour))
	stale := authz.Principal{User: e.alice, MFA: true, MFAVerifiedAt: t0, Now: e.clock.Now()}
	if _, err := e.svc.Stage.Approve(e.ctx, stale, id); core.KindOf(err) != core.KindOTPRequired {
		t.Fatalf("approval past the step-up window: %v", err)
	}
	if _, latest := e.served(authz.Principal{}); latest != "1.0.0" {
		t.Fatalf("a refused approval moved latest to %s", latest)
	}

	st, err := e.svc.Stage.Approve(e.ctx, e.as(e.alice), id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != core.StageApproved || st.DecidedBy != "alice" {
		t.Fatalf("approved stage: %+v", st)
	}
	if vs, latest := e.served(authz.Principal{}); !slices.Equal(vs, []string{"1.0.0", "1.1.0"}) || latest != "1.1.0" {
		t.Fatalf("after approval anyone reads %v, latest %s", vs, latest)
	}
	if _, err := e.svc.Stage.Approve(e.ctx, e.as(e.alice), id); core.KindOf(err) != core.KindConflict {
		t.Fatalf("approving twice: %v", err)
	}
	// Search shows the approved latest's description, as after a publish.
	hits, _, err := e.svc.Registry.Search(e.ctx, "lib", 10, 0)
	if err != nil || len(hits) != 1 || hits[0].Version != "1.1.0" || hits[0].Description != "test package lib 1.1.0" {
		t.Fatalf("search after the approval: %+v %v", hits, err)
	}
	want := []string{"package.publish 1.0.0", "package.stage 1.1.0", "package.stage_approve 1.1.0"}
	if got := e.events(); !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}

func TestRejectDiscardsForGood(t *testing.T) {
	e := newEnv(t)
	id := e.stage("1.1.0")
	if _, err := e.svc.Stage.Reject(e.ctx, e.as(e.alice), id); err != nil {
		t.Fatal(err)
	}
	if vs, _ := e.served(e.as(e.alice)); !slices.Equal(vs, []string{"1.0.0"}) {
		t.Fatalf("the maintainer still reads %v after the rejection", vs)
	}
	if _, err := e.svc.Registry.OpenTarball(e.ctx, e.as(e.alice), "lib", "lib-1.1.0.tgz"); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("the rejected tarball: %v", err)
	}
	if _, _, _, err := e.svc.Stage.Tarball(e.ctx, e.as(e.alice), id); core.KindOf(err) != core.KindConflict {
		t.Fatalf("npm stage download of a rejected stage: %v", err)
	}
	if _, err := e.svc.Registry.Publish(e.ctx, e.as(e.alice), "lib", body("lib", "1.1.0")); core.KindOf(err) != core.KindConflict {
		t.Fatalf("publishing the rejected number: %v", err)
	}
	if _, err := e.svc.Registry.Stage(e.ctx, e.as(e.alice), "lib", body("lib", "1.1.0")); core.KindOf(err) != core.KindConflict {
		t.Fatalf("staging the rejected number: %v", err)
	}
}

func TestExpiry(t *testing.T) {
	e := newEnv(t)
	id := e.stage("1.1.0")
	e.clock.Set(t0.Add(14*24*time.Hour - time.Minute))
	if err := e.svc.Stage.ExpireDue(e.ctx); err != nil {
		t.Fatal(err)
	}
	if st, err := e.svc.Stage.Get(e.ctx, e.as(e.alice), id); err != nil || !st.Open() {
		t.Fatalf("before the expiry: %+v %v", st, err)
	}
	e.clock.Set(t0.Add(14 * 24 * time.Hour))
	st, err := e.svc.Stage.Get(e.ctx, e.as(e.alice), id) // a read expires it first
	if err != nil || st.Status != core.StageExpired || st.DecidedBy != "" {
		t.Fatalf("at the expiry: %+v %v", st, err)
	}
	if vs, _ := e.served(e.as(e.alice)); !slices.Equal(vs, []string{"1.0.0"}) {
		t.Fatalf("the maintainer still reads %v after the expiry", vs)
	}
	if _, err := e.svc.Stage.Approve(e.ctx, e.as(e.alice), id); core.KindOf(err) != core.KindConflict {
		t.Fatalf("approving an expired stage: %v", err)
	}
	if got := e.events(); got[len(got)-1] != "package.stage_expire 1.1.0" {
		t.Fatalf("events %q end without the expiry", got)
	}
}

// TestOneDecision: an approval and a rejection sent together: exactly
// one counts.
func TestOneDecision(t *testing.T) {
	e := newEnv(t)
	id := e.stage("1.1.0")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { _, errs[0] = e.svc.Stage.Approve(e.ctx, e.as(e.alice), id) })
	wg.Go(func() { _, errs[1] = e.svc.Stage.Reject(e.ctx, e.as(e.alice), id) })
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("approve: %v; reject: %v; want exactly one to succeed", errs[0], errs[1])
	}
	st, err := e.svc.Stage.Get(e.ctx, e.as(e.alice), id)
	if err != nil {
		t.Fatal(err)
	}
	vs, latest := e.served(authz.Principal{})
	if approved := st.Status == core.StageApproved; approved != slices.Contains(vs, "1.1.0") || approved != (latest == "1.1.0") {
		t.Fatalf("stage %s, yet anyone reads %v, latest %s", st.Status, vs, latest)
	}
}

func TestPolicyAllStagesAPlainPublish(t *testing.T) {
	e := newEnv(t)
	if err := e.svc.Stage.SetPolicy(e.ctx, e.as(e.bob), "lib", core.StageAll); core.KindOf(err) != core.KindForbidden {
		t.Fatalf("a stranger's policy change: %v", err)
	}
	if err := e.svc.Stage.SetPolicy(e.ctx, authz.Principal{User: e.alice, Now: e.clock.Now()}, "lib", core.StageAll); core.KindOf(err) != core.KindForbidden {
		t.Fatalf("a policy change without a second factor: %v", err)
	}
	if err := e.svc.Stage.SetPolicy(e.ctx, e.as(e.alice), "lib", "sometimes"); core.KindOf(err) != core.KindInvalid {
		t.Fatalf("an unknown policy: %v", err)
	}
	if err := e.svc.Stage.SetPolicy(e.ctx, e.as(e.alice), "lib", core.StageAll); err != nil {
		t.Fatal(err)
	}
	pub, err := e.svc.Registry.Publish(e.ctx, e.as(e.alice), "lib", body("lib", "1.1.0"))
	if err != nil {
		t.Fatal(err)
	}
	if pub.StageID == "" || pub.StageReason == "" {
		t.Fatalf("a plain publish under policy all: %+v, want staged", pub)
	}
	if _, latest := e.served(authz.Principal{}); latest != "1.0.0" {
		t.Fatalf("latest moved to %s", latest)
	}
	if err := e.svc.Stage.SetPolicy(e.ctx, e.as(e.alice), "lib", core.StageNone); err != nil {
		t.Fatal(err)
	}
	pub, err = e.svc.Registry.Publish(e.ctx, e.as(e.alice), "lib", body("lib", "1.2.0"))
	if err != nil || pub.StageID != "" {
		t.Fatalf("a publish after the policy went back to none: %+v %v", pub, err)
	}
	want := []string{"package.publish 1.0.0", "package.stage_policy ", "package.stage 1.1.0", "package.stage_policy ", "package.publish 1.2.0"}
	if got := e.events(); !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}
