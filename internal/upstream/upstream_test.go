package upstream

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/blob/fsblob"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store/sqlite"
)

// fakeUpstream serves one package's packument and tarballs the way a
// registry does; versions and their bytes are the test's to change.
type fakeUpstream struct {
	srv      *httptest.Server
	tarballs map[string][]byte // by version
	times    map[string]time.Time
	tarURL   func(base, v string) string
	down     atomic.Bool
	docHits  atomic.Int64
}

func (f *fakeUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if v, ok := strings.CutPrefix(r.URL.Path, "/pkg/-/pkg-"); ok {
		b, ok := f.tarballs[strings.TrimSuffix(v, ".tgz")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
		return
	}
	if r.URL.Path != "/pkg" {
		http.NotFound(w, r)
		return
	}
	f.docHits.Add(1)
	versions, times := map[string]any{}, map[string]any{"modified": time.Now().UTC().Format(time.RFC3339)}
	for v, b := range f.tarballs {
		sum := sha512.Sum512(b)
		versions[v] = map[string]any{"name": "pkg", "version": v, "scripts": map[string]any{"test": "x"},
			"dist": map[string]any{"tarball": f.tarURL(f.srv.URL, v), "integrity": "sha512-" + base64.StdEncoding.EncodeToString(sum[:]),
				"signatures": []any{map[string]any{"keyid": "upstream", "sig": "x"}}}}
		times[v] = f.times[v].UTC().Format(time.RFC3339)
	}
	json.NewEncoder(w).Encode(map[string]any{"name": "pkg", "dist-tags": map[string]any{"latest": "2.0.0", "beta": "3.0.0-beta"}, "versions": versions, "time": times})
}

func newProxy(t *testing.T, u config.Upstream, now *time.Time) (*Service, *fakeUpstream) {
	t.Helper()
	f := &fakeUpstream{tarballs: map[string][]byte{}, times: map[string]time.Time{}}
	f.tarURL = func(base, v string) string { return base + "/pkg/-/pkg-" + v + ".tgz" }
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := fsblob.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	u.URL = f.srv.URL + "/"
	cfg := config.Default()
	cfg.Data, cfg.Upstreams = t.TempDir(), []config.Upstream{u}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s := New(Deps{Upstreams: cfg.Upstreams, Store: st, Blobs: blobs, PublicURL: "https://reg.example/", Dir: t.TempDir(),
		MaxDocument: 1 << 20, MaxTarball: 1 << 20, Now: func() time.Time { return *now }})
	return s, f
}

func TestPackumentFiltersAndRewrites(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	s, f := newProxy(t, config.Upstream{Name: "pub", Packages: []string{"*"}, Cooldown: config.Duration{Duration: 24 * time.Hour}}, &now)
	f.tarballs["1.0.0"], f.times["1.0.0"] = []byte("one"), now.Add(-72*time.Hour)
	f.tarballs["2.0.0"], f.times["2.0.0"] = []byte("two"), now.Add(-time.Hour) // in its cooldown
	f.tarballs["3.0.0-beta"], f.times["3.0.0-beta"] = []byte("beta"), now.Add(-48*time.Hour)
	u := s.For("pkg")
	doc, err := s.Packument(t.Context(), u, "pkg")
	if err != nil {
		t.Fatal(err)
	}
	var full struct {
		DistTags map[string]string `json:"dist-tags"`
		Versions map[string]struct {
			Dist map[string]any
		}
		Time map[string]string
	}
	if err := json.Unmarshal(doc.Full, &full); err != nil {
		t.Fatal(err)
	}
	if _, ok := full.Versions["2.0.0"]; ok || full.Time["2.0.0"] != "" {
		t.Error("a version in its cooldown is served")
	}
	if full.DistTags["latest"] != "1.0.0" || full.DistTags["beta"] != "3.0.0-beta" {
		t.Errorf("dist-tags %v, want latest moved to 1.0.0 (its own went with the cooldown) and beta kept", full.DistTags)
	}
	d := full.Versions["1.0.0"].Dist
	if d["tarball"] != "https://reg.example/pkg/-/pkg-1.0.0.tgz" || d["signatures"] != nil {
		t.Errorf("dist %v: want this registry's link and no upstream signatures", d)
	}
	var abbrev map[string]any
	json.Unmarshal(doc.Abbrev, &abbrev)
	if v := abbrev["versions"].(map[string]any)["1.0.0"].(map[string]any); v["scripts"] != nil || v["dist"] == nil {
		t.Errorf("abbreviated version %v: want install fields only", v)
	}

	// Tarballs are checked, stored and then served without the upstream.
	tb, err := s.Tarball(t.Context(), u, "pkg", "pkg-1.0.0.tgz")
	if err != nil {
		t.Fatal(err)
	}
	tb.Close()
	if _, err := s.Tarball(t.Context(), u, "pkg", "pkg-2.0.0.tgz"); core.KindOf(err) != core.KindNotFound {
		t.Errorf("the tarball of a version in its cooldown: %v, want not found", err)
	}
	f.down.Store(true)
	now = now.Add(time.Hour) // past revalidation: the upstream is asked, fails, the copy is served
	if _, err := s.Tarball(t.Context(), u, "pkg", "pkg-1.0.0.tgz"); err != nil {
		t.Errorf("with the upstream down, a fetched tarball: %v", err)
	}
}

func TestPinsRefuseOtherBytes(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	s, f := newProxy(t, config.Upstream{Name: "pub", Packages: []string{"pkg"}}, &now)
	f.tarballs["1.0.0"], f.times["1.0.0"] = []byte("honest"), now.Add(-time.Hour)
	u := s.For("pkg")
	first, err := s.Packument(t.Context(), u, "pkg")
	if err != nil {
		t.Fatal(err)
	}
	pinned := first.files["pkg-1.0.0.tgz"].integrity
	f.tarballs["1.0.0"] = []byte("evil") // and the packument now claims these bytes
	now = now.Add(time.Hour)
	again, err := s.Packument(t.Context(), u, "pkg")
	if err != nil {
		t.Fatal(err)
	}
	if got := again.files["pkg-1.0.0.tgz"].integrity; got != pinned {
		t.Fatalf("integrity after the upstream changed it: %s, want the pinned %s", got, pinned)
	}
	_, err = s.Tarball(t.Context(), u, "pkg", "pkg-1.0.0.tgz")
	if core.KindOf(err) != core.KindUpstream || !strings.Contains(core.Message(err), "differ from what it first offered") {
		t.Fatalf("other bytes under a pin: %v, want the refusal", err)
	}
}

func TestTarballOutsideTheOriginIsNotFetched(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	s, f := newProxy(t, config.Upstream{Name: "pub", Packages: []string{"*"}}, &now)
	f.tarballs["1.0.0"], f.times["1.0.0"] = []byte("x"), now.Add(-time.Hour)
	f.tarURL = func(_, v string) string { return fmt.Sprintf("http://169.254.169.254/pkg/-/pkg-%s.tgz", v) }
	doc, err := s.Packument(t.Context(), s.For("pkg"), "pkg")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.files) != 0 || strings.Contains(string(doc.Full), "169.254") {
		t.Fatalf("a tarball link outside the upstream's origin is served: %s", doc.Full)
	}
}

func TestMatching(t *testing.T) {
	u := config.Upstream{Packages: []string{"@types/*", "left-pad", "react*"}, Exclude: []string{"react-internal"}}
	for name, want := range map[string]bool{"@types/node": true, "@typesx/y": false, "left-pad": true, "react-dom": true, "react-internal": false, "lodash": false} {
		if got := u.Matches(name); got != want {
			t.Errorf("Matches(%q) = %v, want %v", name, got, want)
		}
	}
}
