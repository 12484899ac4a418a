package advisory

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testclock"
)

func newService(t *testing.T) (*Service, store.Store, *testclock.Clock) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := eventcheck.Wrap(t, db)
	clk := testclock.New(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	return New(st, Config{PublicURL: "https://reg.example"}, clk.Now, nil), st, clk
}

var admin = authz.Principal{User: &core.User{Name: "operator", Admin: true}, Console: true}

// samples copies internal/osv's real OSV records into a folder.
func samples(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files, _ := filepath.Glob("../osv/testdata/npm/*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func events(t *testing.T, st store.Store, typ string) []core.Event {
	t.Helper()
	var out []core.Event
	err := st.View(t.Context(), func(tx store.Tx) error {
		all, err := tx.EventsAfter(0, 10000)
		for _, e := range all {
			if e.Type == typ {
				out = append(out, e)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A folder import stores every valid record with an event, is idempotent
// by id and modified, refuses invalid files without losing the rest,
// and honours withdrawal.
func TestImportFolder(t *testing.T) {
	svc, st, _ := newService(t)
	dir := samples(t)
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"id":"GHSA-x"}`), 0o644)
	sum, err := svc.ImportPath(t.Context(), admin, dir)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Read != 5 || sum.New != 4 || sum.Invalid != 1 || sum.Withdrawn != 1 || len(sum.Errors) != 1 || !strings.Contains(sum.Errors[0], "broken.json") {
		t.Fatalf("first import: %+v", sum)
	}
	if n := len(events(t, st, core.EventAdvisoryImport)); n != 4 {
		t.Errorf("%d advisory.import events, want 4", n)
	}
	again, err := svc.ImportPath(t.Context(), admin, dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.New != 0 || again.Updated != 0 || again.Unchanged != 4 {
		t.Errorf("second import: %+v", again)
	}
	if n := len(events(t, st, core.EventAdvisoryImport)); n != 4 {
		t.Errorf("the second import recorded events: %d in all", n)
	}
	got, err := svc.Query(t.Context(), core.NPM("lodash"), "4.17.20")
	if err != nil || len(got) != 1 || got[0].ID != "GHSA-35jh-r3h4-6jhm" {
		t.Fatalf("Query(lodash@4.17.20) = %v %v", got, err)
	}
	if got, _ := svc.Query(t.Context(), core.NPM("lodash"), "4.17.21"); len(got) != 0 {
		t.Errorf("the fixed version is affected: %v", got)
	}
	if f := FirstFixed(got0(t, svc, "GHSA-35jh-r3h4-6jhm").Vuln, core.NPM("lodash"), "4.17.20"); f != "4.17.21" {
		t.Errorf("FirstFixed = %q", f)
	}
	// The withdrawn record is stored, served by id, and matches nothing.
	if got, _ := svc.Query(t.Context(), core.NPM("json-ptr"), "3.1.0"); len(got) != 0 {
		t.Errorf("a withdrawn advisory matches: %v", got)
	}
	if r, err := svc.Get(t.Context(), "GHSA-wqch-xfxh-vrr4"); err != nil || r.Withdrawn == nil {
		t.Errorf("withdrawn advisory by id: %v %v", r, err)
	}
	// A newer modified replaces; its withdrawal takes it out of force.
	b, _ := os.ReadFile(filepath.Join(dir, "GHSA-35jh-r3h4-6jhm.json"))
	b = bytes.Replace(b, []byte(`"modified": "2024-02-20T15:33:45Z",`), []byte(`"modified": "2025-01-01T00:00:00Z", "withdrawn": "2025-01-01T00:00:00Z",`), 1)
	os.WriteFile(filepath.Join(dir, "GHSA-35jh-r3h4-6jhm.json"), b, 0o644)
	third, err := svc.ImportPath(t.Context(), admin, dir)
	if err != nil || third.Updated != 1 || third.Withdrawn != 1 {
		t.Fatalf("third import: %+v %v", third, err)
	}
	if got, _ := svc.Query(t.Context(), core.NPM("lodash"), "4.17.20"); len(got) != 0 {
		t.Errorf("withdrawn by an update, still matches: %v", got)
	}
}

func got0(t *testing.T, svc *Service, id string) *Record {
	t.Helper()
	r, err := svc.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return &r
}

// A zip in the layout of OSV's npm/all.zip imports the same way, and
// only moderators and administrators may import.
func TestImportZipAndAuthorization(t *testing.T) {
	svc, _, _ := newService(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files, _ := filepath.Glob("../osv/testdata/npm/*.json")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		w, _ := zw.Create(filepath.Base(f))
		w.Write(b)
	}
	zw.Close()
	path := filepath.Join(t.TempDir(), "all.zip")
	os.WriteFile(path, buf.Bytes(), 0o644)
	user := authz.Principal{User: &core.User{Name: "mallory", EmailVerified: true}}
	if _, err := svc.ImportPath(t.Context(), user, path); core.KindOf(err) != core.KindForbidden {
		t.Fatalf("a user's import: %v, want forbidden", err)
	}
	sum, err := svc.ImportPath(t.Context(), admin, path)
	if err != nil || sum.New != 4 {
		t.Fatalf("zip import: %+v %v", sum, err)
	}
	os.WriteFile(path, []byte("not a zip"), 0o644)
	if _, err := svc.ImportPath(t.Context(), admin, path); core.KindOf(err) != core.KindInvalid {
		t.Errorf("a file that is no zip: %v", err)
	}
}

// MAL- ids are sequential per year with no gap under concurrency; the
// record is in force at once, critical, with an event naming the
// package; an import never overwrites one of them.
func TestPublishMalicious(t *testing.T) {
	svc, st, clk := newService(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]bool{}
	for i := range 6 {
		wg.Go(func() {
			id, err := svc.PublishMalicious(t.Context(), "mod", core.NPM("evil"), []string{"1.0." + string(rune('0'+i))}, "", "")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			ids[id] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	for i := 1; i <= 6; i++ {
		if id := "MAL-2026-000" + string(rune('0'+i)); !ids[id] {
			t.Errorf("%s missing from %v", id, ids)
		}
	}
	got, err := svc.Query(t.Context(), core.NPM("evil"), "1.0.3")
	if err != nil || len(got) != 1 || got[0].Rating() != "critical" {
		t.Fatalf("Query(evil@1.0.3) = %v %v", got, err)
	}
	if evs := events(t, st, core.EventAdvisoryMalicious); len(evs) != 6 || evs[0].Package != "evil" || evs[0].Actor != "mod" {
		t.Errorf("events %+v", evs)
	}
	clk.Advance(365 * 24 * time.Hour)
	if id, _ := svc.PublishMalicious(t.Context(), "mod", core.NPM("evil2"), []string{"2.0.0"}, "s", "d"); id != "MAL-2027-0001" {
		t.Errorf("next year's first id %q", id)
	}
	// An imported record with one of our ids is refused.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "m.json"), []byte(`{"id":"MAL-2026-0001","modified":"2030-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"other"},"versions":["1.0.0"]}]}`), 0o644)
	sum, err := svc.ImportPath(t.Context(), admin, dir)
	if err != nil || sum.Conflicts != 1 {
		t.Errorf("import over a MAL- of ours: %+v %v", sum, err)
	}
	for _, bad := range [][]string{nil, {""}, {"1.0.0 || 2"}} {
		if _, err := svc.PublishMalicious(t.Context(), "mod", core.NPM("evil"), bad, "", ""); core.KindOf(err) != core.KindInvalid {
			t.Errorf("versions %q: %v", bad, err)
		}
	}
	user := authz.Principal{User: &core.User{Name: "mallory", EmailVerified: true}}
	if _, err := svc.Malicious(t.Context(), user, core.NPM("rival"), []string{"1.0.0"}, "", ""); core.KindOf(err) != core.KindForbidden {
		t.Errorf("a user's MAL- advisory: %v", err)
	}
}

func TestResolveAndDependencies(t *testing.T) {
	vs := []string{"1.0.0", "1.2.0", "1.3.0-beta.1", "2.0.0"}
	for rng, want := range map[string]string{"^1.0.0": "1.2.0", "~1.0.0": "1.0.0", "*": "2.0.0", "": "2.0.0", ">=3": "", "git+https://x/y.git": "", "1.x || 2.x": "2.0.0", "1.0.0 - 1.1.0": "1.0.0"} {
		if got := Resolve(rng, vs); got != want {
			t.Errorf("Resolve(%q) = %q, want %q", rng, got, want)
		}
	}
	svc, _, _ := newService(t)
	if _, err := svc.ImportPath(t.Context(), admin, samples(t)); err != nil {
		t.Fatal(err)
	}
	registry := map[string][]string{"lodash": {"4.17.20", "4.17.21"}, "semver": {"7.5.1", "7.5.2", "6.3.0"}}
	versions := func(_ context.Context, ref core.PackageRef) ([]string, error) {
		vs, ok := registry[ref.Name]
		if !ok {
			return nil, core.Errorf(core.KindNotFound, "no %s", ref.Name)
		}
		return vs, nil
	}
	got, err := svc.ForDependencies(t.Context(), core.EcosystemNPM, map[string]string{"lodash": "~4.17.0", "semver": "^6.0.0", "left-pad": "^1.0.0"}, versions)
	if err != nil {
		t.Fatal(err)
	}
	// lodash resolves to 4.17.21 (fixed); semver ^6 to 6.3.0, affected, fixed in 6.3.1.
	if len(got) != 1 || got[0].Package.Name != "semver" || got[0].Version != "6.3.0" || got[0].FixedIn != "6.3.1" || got[0].Via != "^6.0.0" {
		t.Fatalf("ForDependencies = %+v", got)
	}
}
