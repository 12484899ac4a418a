package registry_test

import (
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// hold puts name@version in state held (pending or quarantined) as a
// staged publish or a scan will, straight in the store, and drops the
// read caches as every write through the service does.
func (e *policyEnv) hold(name, version string, held core.VersionState) {
	e.t.Helper()
	err := e.svc.Store.Update(e.ctx, func(tx store.Tx) error {
		p, err := tx.PackageByRef(core.NPM(name))
		if err != nil {
			return err
		}
		v, err := tx.Version(p.ID, version)
		if err != nil {
			return err
		}
		v.Held = held
		if err := tx.UpdateVersion(v); err != nil {
			return err
		}
		return tx.AppendEvent(&core.Event{At: e.clock.Now(), Type: "test.version_held", Actor: "test", Package: name, Version: version})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.svc.Registry.Invalidate(name)
}

// TestReadPathsAskServable: the read paths serve what core.Servable
// allows, for each viewer: a staged (pending) version's file only to its
// maintainers, a quarantined one to no one, and neither in the shared
// document nor behind a dist-tag; a held file is never kept in the cache
// for anyone else to be served.
func TestReadPathsAskServable(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "pad", "1.0.0", "latest", nil)
	e.publish(e.alice, "pad", "2.0.0", "next", nil)
	e.publish(e.alice, "pad", "3.0.0", "latest", nil)
	e.readAll(anonymous, "pad", "3.0.0")
	e.hold("pad", "2.0.0", core.StatePending)
	e.hold("pad", "3.0.0", core.StateQuarantined)

	for _, c := range []struct {
		who     string
		p       authz.Principal
		version string
		served  bool
	}{
		{"anonymous", anonymous, "1.0.0", true},
		{"anonymous", anonymous, "2.0.0", false},
		{"anonymous", anonymous, "3.0.0", false},
		{"another user", e.bob, "2.0.0", false},
		{"maintainer", e.alice, "2.0.0", true},
		{"maintainer", e.alice, "3.0.0", false},
		// The maintainer's read filled nothing that anyone else is served.
		{"anonymous after the maintainer", anonymous, "2.0.0", false},
	} {
		err := e.openTarball(c.p, "pad", c.version)
		if c.served && err != nil {
			t.Errorf("%s, pad@%s: %v, want served", c.who, c.version, err)
		}
		if !c.served && core.KindOf(err) != core.KindNotFound {
			t.Errorf("%s, pad@%s: %v, want not found", c.who, c.version, err)
		}
	}

	d, err := e.svc.Registry.FullRebuild(e.ctx, "pad")
	if err != nil {
		t.Fatal(err)
	}
	full := string(d.Full)
	if strings.Contains(full, `"2.0.0"`) || strings.Contains(full, `"3.0.0"`) || !strings.Contains(full, `"1.0.0"`) {
		t.Errorf("the shared document lists held versions or lost the live one: %s", full)
	}
	if strings.Contains(full, `"next"`) || strings.Contains(full, `"latest"`) {
		t.Errorf("the shared document keeps dist-tags pointing at held versions: %s", full)
	}

	// The document assembled lazily after a change says the same.
	if err := e.svc.Registry.Deprecate(e.ctx, e.alice, "pad", map[string]string{"1.0.0": "old"}); err != nil {
		t.Fatal(err)
	}
	lazy, err := e.document(anonymous, "pad", store.DocFull)
	if err != nil {
		t.Fatal(err)
	}
	full = string(lazy.Full)
	if strings.Contains(full, `"2.0.0"`) || strings.Contains(full, `"3.0.0"`) || !strings.Contains(full, `"old"`) {
		t.Errorf("the lazily built document lists held versions or lost the deprecated one: %s", full)
	}
	if strings.Contains(full, `"next"`) || strings.Contains(full, `"latest"`) {
		t.Errorf("the lazily built document keeps dist-tags pointing at held versions: %s", full)
	}
}
