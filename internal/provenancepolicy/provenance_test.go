package provenancepolicy_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/server"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/testclock"
)

// TestSetAndGet: only an owner changes the policy, to an https
// repository or off; the change is read back with what it enforces and
// recorded as an event naming the owners to mail. The publish path's
// enforcement of it is tested in internal/registry (provenance_test.go).
func TestSetAndGet(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.InsecureFastPasswordHashing = true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2030, 3, 4, 12, 0, 0, 0, time.UTC)
	svc, err := server.Open(ctx, cfg, server.Options{Now: testclock.New(t0).Now, Log: slog.New(slog.DiscardHandler),
		WrapStore: func(s store.Store) store.Store { return eventcheck.Wrap(t, s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(ctx) })
	user := func(name string) authz.Principal {
		u, err := svc.Identity.CreateUser(ctx, "operator", identity.NewUser{Name: name, Email: name + "@example.com", Password: "a-long-secret-phrase", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		return authz.Principal{User: u}
	}
	alice, bob := user("alice"), user("bob")
	pj := map[string]any{"name": "widget", "version": "1.0.0"}
	body := npmfixture.Publish{Manifest: pj, Tarball: npmfixture.Package(pj, map[string]string{"index.js": "1\n"})}.Body()
	if _, err := svc.Registry.Publish(ctx, alice, "widget", body); err != nil {
		t.Fatal(err)
	}
	pol := svc.Registry.ProvenancePolicy()

	st, err := pol.Get(ctx, bob, "widget")
	if err != nil || st.Expected != "" || st.Last != nil {
		t.Fatalf("a package never published with provenance: %+v, %v", st, err)
	}
	for _, c := range []struct {
		p          authz.Principal
		continuity core.ProvenanceContinuity
		repo       string
		kind       core.Kind
		says       string
	}{
		{bob, core.ContinuityOff, "", core.KindForbidden, ""},
		{alice, "sometimes", "", core.KindInvalid, `"enforce" or "off"`},
		{alice, core.ContinuityEnforce, "http://github.com/acme/widget", core.KindInvalid, "https URL"},
		{alice, core.ContinuityEnforce, "https://github.com/", core.KindInvalid, "https URL"},
		{alice, core.ContinuityOff, "https://github.com/acme/widget", core.KindInvalid, "leave it empty"},
	} {
		err := pol.Set(ctx, c.p, "widget", c.continuity, c.repo)
		if core.KindOf(err) != c.kind || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s setting %q %q: %v, want %v saying %q", c.p.Name(), c.continuity, c.repo, err, c.kind, c.says)
		}
	}
	if err := pol.Set(ctx, alice, "nonesuch", core.ContinuityOff, ""); core.KindOf(err) != core.KindNotFound {
		t.Errorf("setting the policy of an unknown package: %v", err)
	}

	if err := pol.Set(ctx, alice, "widget", core.ContinuityEnforce, " https://github.com/acme/widget "); err != nil {
		t.Fatal(err)
	}
	st, err = pol.Get(ctx, bob, "widget")
	if err != nil || st.Policy.Continuity != core.ContinuityEnforce || st.Expected != "https://github.com/acme/widget" ||
		st.Policy.UpdatedBy != "alice" || !st.Policy.UpdatedAt.Equal(t0) {
		t.Fatalf("after the change: %+v, %v", st, err)
	}
	evs, err := svc.Registry.Events(ctx, "widget", 10)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(evs, func(e core.Event) bool { return e.Type == core.EventProvenancePolicy })
	if i < 0 {
		t.Fatalf("no %s event among %d", core.EventProvenancePolicy, len(evs))
	}
	p, err := event.Parse(&evs[i])
	if err != nil {
		t.Fatal(err)
	}
	if ev := p.(event.ProvenancePolicy); ev.Repository != "https://github.com/acme/widget" || !slices.Equal(ev.Notify, []string{"alice"}) {
		t.Errorf("event %+v, want the repository and alice to mail", ev)
	}
}
