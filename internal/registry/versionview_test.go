package registry_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// TestVersionPageReads: a version's page reads what the document shows,
// for each reader: a staged version only to its maintainers (marked),
// a restricted package to no one else, in the words of a missing one;
// dependency ranges resolve against the servable versions only; the
// dependents are the public packages whose latest version depends.
func TestVersionPageReads(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "pad", "1.0.0", "latest", nil)
	e.publish(e.alice, "pad", "2.0.0", "next", nil)
	e.publish(e.bob, "app", "1.0.0", "latest", map[string]string{"pad": "^1.0.0"})
	e.publish(e.bob, "app-old", "1.0.0", "latest", map[string]string{"pad": "^1.0.0"})
	e.publish(e.bob, "app-old", "2.0.0", "latest", nil)
	e.publish(e.alice, "secret", "1.0.0", "latest", map[string]string{"pad": "*"})
	e.hold("pad", "2.0.0", core.StatePending)
	err := e.svc.Store.Update(e.ctx, func(tx store.Tx) error {
		p, err := tx.PackageByRef(core.NPM("secret"))
		if err != nil {
			return err
		}
		p.Access = "restricted"
		if err := tx.UpdatePackage(p); err != nil {
			return err
		}
		return tx.AppendEvent(&core.Event{At: e.clock.Now(), Type: "test.access", Actor: "test", Package: "secret"})
	})
	if err != nil {
		t.Fatal(err)
	}
	e.svc.Registry.Invalidate("secret")
	reg := e.svc.Registry

	vv, err := reg.Versions().VersionPage(e.ctx, anonymous, "pad", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if vv.Publisher != "alice" || !slices.Equal(vv.Tags, []string{"latest"}) || vv.Version.Integrity == "" || vv.Version.UnpackedSize == 0 || vv.Staged {
		t.Errorf("pad@1.0.0 = publisher %q, tags %q, integrity %q, unpacked %d, staged %v", vv.Publisher, vv.Tags, vv.Version.Integrity, vv.Version.UnpackedSize, vv.Staged)
	}
	_, missing := reg.Versions().VersionPage(e.ctx, anonymous, "nothing", "1.0.0")
	for _, c := range []struct {
		name, version string
	}{{"pad", "2.0.0"}, {"pad", "9.0.0"}, {"secret", "1.0.0"}} {
		_, err := reg.Versions().VersionPage(e.ctx, anonymous, c.name, c.version)
		if core.KindOf(err) != core.KindNotFound {
			t.Errorf("anonymous %s@%s: %v, want not found", c.name, c.version, err)
		}
		if _, err := reg.Versions().VersionPage(e.ctx, e.bob, c.name, c.version); core.KindOf(err) != core.KindNotFound {
			t.Errorf("bob %s@%s: %v, want not found", c.name, c.version, err)
		}
	}
	if core.KindOf(missing) != core.KindNotFound {
		t.Errorf("a missing package: %v", missing)
	}
	if vv, err := reg.Versions().VersionPage(e.ctx, e.alice, "pad", "2.0.0"); err != nil || !vv.Staged || !slices.Equal(vv.Tags, []string{"next"}) {
		t.Errorf("the maintainer's staged pad@2.0.0: %+v, %v", vv, err)
	}
	if vv, err := reg.Versions().VersionPage(e.ctx, e.alice, "secret", "1.0.0"); err != nil {
		t.Errorf("the owner's restricted version: %v", err)
	} else if vv.PublishedBy == nil || vv.PublishedBy.Kind == store.PublishedByTrusted || vv.Publisher != "alice" {
		t.Errorf("secret@1.0.0 published by %q, %+v; want alice's own credential recorded", vv.Publisher, vv.PublishedBy)
	}

	if _, err := reg.Versions().ServableManifest(e.ctx, anonymous, "pad", "2.0.0"); core.KindOf(err) != core.KindNotFound {
		t.Errorf("anonymous manifest of the staged pad@2.0.0: %v, want not found", err)
	}
	if m, err := reg.Versions().ServableManifest(e.ctx, anonymous, "app", "1.0.0"); err != nil || !strings.Contains(string(m), `"pad"`) {
		t.Errorf("app@1.0.0's manifest: %s, %v", m, err)
	}
	if _, err := reg.Versions().ServableManifest(e.ctx, anonymous, "secret", "1.0.0"); core.KindOf(err) != core.KindNotFound {
		t.Errorf("anonymous manifest of a restricted package: %v, want not found", err)
	}
	if vs, err := reg.Versions().ServableVersions(e.ctx, anonymous, "pad"); err != nil || !slices.Equal(vs, []string{"1.0.0"}) {
		t.Errorf("anonymous versions of pad: %q, %v", vs, err)
	}
	if vs, err := reg.Versions().ServableVersions(e.ctx, e.alice, "pad"); err != nil || !slices.Equal(vs, []string{"1.0.0", "2.0.0"}) {
		t.Errorf("the maintainer's versions of pad: %q, %v", vs, err)
	}
	if _, err := reg.Versions().ServableVersions(e.ctx, anonymous, "secret"); core.KindOf(err) != core.KindNotFound {
		t.Errorf("anonymous versions of a restricted package: %v", err)
	}

	deps, next, total, err := reg.Versions().Dependents(e.ctx, anonymous, "pad", "", 10)
	if err != nil || next != "" || total != 1 || len(deps) != 1 || deps[0].Name != "app" || deps[0].Version != "1.0.0" {
		t.Errorf("anonymous dependents of pad: %+v next %q total %d, %v; want app@1.0.0 only (not app-old's older version, not the restricted secret)", deps, next, total, err)
	}
	// The owner of the restricted secret sees it too, and counts it.
	deps, _, total, err = reg.Versions().Dependents(e.ctx, e.alice, "pad", "", 10)
	if err != nil || total != 2 || len(deps) != 2 || deps[0].Name != "app" || deps[1].Name != "secret" {
		t.Errorf("the owner's dependents of pad: %+v total %d, %v; want app and secret", deps, total, err)
	}
}
