// Package robust holds end-to-end robustness tests: they start the real
// rampart binary (internal/testserver), push it with crashes, races and
// hostile uploads over HTTP, and check what a user would notice afterwards,
// reading the data folder directly once the server has stopped.
package robust

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testserver"
)

const (
	testUser     = "robot"
	testEmail    = "robot@example.com"
	testPassword = "correct-horse-battery"
)

func packageJSON(name, version string) string {
	return fmt.Sprintf(`{"name":%q,"version":%q,"main":"index.js"}`, name, version)
}

// goodEntries is a minimal package as npm pack writes it. marker makes
// the bytes differ between otherwise equal packages.
func goodEntries(name, version, marker string) []npmfixture.Entry {
	return []npmfixture.Entry{
		{Name: "package/", Type: tar.TypeDir},
		npmfixture.File("package/package.json", packageJSON(name, version)),
		npmfixture.File("package/index.js", "module.exports = "+fmt.Sprintf("%q", marker)+"\n"),
		npmfixture.File("package/README.md", "# "+name+"\n"),
	}
}

// publishDoc is what `npm publish` sends for name@version with tgz. The
// declared integrity is declared, normally npmfixture.Integrity(tgz).
func publishDoc(name, version string, tgz []byte, declared string) []byte {
	return npmfixture.Publish{
		Manifest:  map[string]any{"name": name, "version": version, "main": "index.js"},
		Tarball:   tgz,
		Integrity: declared,
	}.Body()
}

// goodPublish returns a valid publish body and its tarball.
func goodPublish(tb testing.TB, name, version, marker string) ([]byte, []byte) {
	tgz := npmfixture.Tarball(0, goodEntries(name, version, marker)...)
	return publishDoc(name, version, tgz, npmfixture.Integrity(tgz)), tgz
}

// publishDescribed publishes name@version with this description in its
// package.json, and so in every version of the package's document: how
// these tests grow a document towards its limits.
func publishDescribed(t testing.TB, s *testserver.Server, tok, name, version, description string) reply {
	t.Helper()
	pj := fmt.Sprintf(`{"name":%q,"version":%q,"main":"index.js","description":%q}`, name, version, description)
	tgz := npmfixture.Tarball(0,
		npmfixture.Entry{Name: "package/", Type: tar.TypeDir},
		npmfixture.File("package/package.json", pj),
		npmfixture.File("package/index.js", "module.exports = 1\n"),
	)
	var m map[string]any
	if err := json.Unmarshal([]byte(pj), &m); err != nil {
		t.Fatal(err)
	}
	return mustDo(t, http.MethodPut, s.URL+name, tok, npmfixture.Publish{Manifest: m, Tarball: tgz, Integrity: npmfixture.Integrity(tgz)}.Body())
}

// client is a plain HTTP client with a bound on every request.
var client = &http.Client{Timeout: 60 * time.Second}

// reply is a server response, read whole.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// ErrorMsg is the "error" field npm prints.
func (r reply) ErrorMsg() string {
	var e struct {
		Error string `json:"error"`
	}
	json.Unmarshal(r.Body, &e)
	return e.Error
}

func do(method, url, token string, body io.Reader, ctype string) (reply, error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return reply{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

func mustDo(t testing.TB, method, url, token string, body []byte) reply {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	rep, err := do(method, url, token, r, "application/json")
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return rep
}

// login logs in the way `npm login --auth-type=legacy` does and returns
// the session token.
func login(t testing.TB, s *testserver.Server, name, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	rep := mustDo(t, http.MethodPut, s.URL+"-/user/org.couchdb.user:"+name, "", body)
	if rep.Status != http.StatusCreated {
		t.Fatalf("login as %s: %d %s", name, rep.Status, rep.Body)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(rep.Body, &out); err != nil || out.Token == "" {
		t.Fatalf("login as %s: no token in %s", name, rep.Body)
	}
	return out.Token
}

// startWithUser starts a server with extra config, creates the test user
// and logs in.
func startWithUser(t testing.TB, config string) (*testserver.Server, string) {
	t.Helper()
	s := testserver.Start(t, testserver.Options{Config: config})
	s.CreateUser(t, testUser, testEmail, testPassword)
	return s, login(t, s, testUser, testPassword)
}

// packument is the part of the full packument these tests look at.
type packument struct {
	Name     string            `json:"name"`
	DistTags map[string]string `json:"dist-tags"`
	Versions map[string]struct {
		Dist struct {
			Integrity string `json:"integrity"`
			Tarball   string `json:"tarball"`
		} `json:"dist"`
	} `json:"versions"`
}

// getPackument fetches name's packument; ok is false on 404.
func getPackument(t testing.TB, s *testserver.Server, name string) (packument, bool) {
	t.Helper()
	rep := mustDo(t, http.MethodGet, s.URL+escapeName(name), "", nil)
	if rep.Status == http.StatusNotFound {
		return packument{}, false
	}
	if rep.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", name, rep.Status, rep.Body)
	}
	var p packument
	if err := json.Unmarshal(rep.Body, &p); err != nil {
		t.Fatalf("GET %s: %v in %.200s", name, err, rep.Body)
	}
	return p, true
}

// escapeName makes a package name a path segment the way npm does
// ("@scope%2fname"); hostile names (spaces, dots) are percent-encoded.
func escapeName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~@", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// download fetches a tarball URL and returns its bytes.
func download(t testing.TB, url string) ([]byte, int) {
	t.Helper()
	rep := mustDo(t, http.MethodGet, url, "", nil)
	return rep.Body, rep.Status
}

// blobFiles lists the files under <data>/blobs/sha512. The folder must
// exist (the server makes it at start-up): were the blob store's layout to
// move, "no blobs left behind" would otherwise pass on a folder nobody
// writes to.
func blobFiles(t testing.TB, data string) []string {
	t.Helper()
	var files []string
	root := filepath.Join(data, "blobs", "sha512")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v (is it still where the blob store keeps its files?)", root, err)
	}
	return files
}

// readEvents opens the data folder's metadata store (the server must be
// stopped) and returns every event in order. Callers check that no event
// of some kind is there, which an empty list passes: so the database
// must already exist (sqlite.Open would make a new, empty one) and hold
// at least the event of the account every test here creates first.
func readEvents(t testing.TB, data string) []core.Event {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(data, "metadata.db")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the stopped server's database: %v", err)
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("opening the stopped server's store: %v", err)
	}
	defer st.Close()
	var evs []core.Event
	err = st.View(ctx, func(tx store.Tx) error {
		var err error
		evs, err = tx.EventsAfter(0, 100000)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		t.Fatalf("no events at all in %s, not even the test account's creation", path)
	}
	return evs
}
