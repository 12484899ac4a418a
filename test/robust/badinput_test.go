package robust

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/testserver"
)

// limitsConfig is the server configuration of the bad-input tests: small
// enough that limits are crossed with a few MiB.
const limitsConfig = `[limits]
tarball_bytes = 1048576
unpacked_bytes = 2097152
files = 10
`

// TestBadPublishLeavesNoTrace sends hostile and broken publishes to the
// real server. Each one must be refused with the right status and a
// message that says what is wrong, and must leave nothing behind: no
// packument, no stored tarball, and (checked once the server is stopped)
// no package event.
func TestBadPublishLeavesNoTrace(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, limitsConfig)

	pub := func(name, version string, entries ...npmfixture.Entry) []byte {
		tgz := npmfixture.Tarball(0, entries...)
		return publishDoc(name, version, tgz, npmfixture.Integrity(tgz))
	}
	good := func(name, version string, extra ...npmfixture.Entry) []npmfixture.Entry {
		return append(goodEntries(name, version, "bad input"), extra...)
	}
	random := make([]byte, 2<<20)
	rng := rand.NewChaCha8([32]byte{1})
	rng.Read(random)
	manyFiles := good("too-many-files", "1.0.0")
	for i := range 12 {
		manyFiles = append(manyFiles, npmfixture.File(fmt.Sprintf("package/f%d.js", i), "x"))
	}
	longName := strings.Repeat("a", 215)

	cases := []struct {
		name   string
		pkg    string // the URL's package name; its packument must stay 404
		body   []byte
		token  string // "" means the test user's token; "-" means none
		status int
		want   string // in the "error" field
	}{
		{name: "malformed JSON", pkg: "bad-json", body: []byte(`{"_id":"bad-json","name":"bad-json","versions":{`),
			status: 400, want: "malformed JSON"},
		{name: "binary garbage", pkg: "bad-garbage", body: []byte("\x00\xff\x1f\x8b garbage"),
			status: 400, want: "malformed JSON"},
		{name: "tarball differs from declared integrity", pkg: "bad-integrity", body: func() []byte {
			tgz := npmfixture.Tarball(0, good("bad-integrity", "1.0.0")...)
			return publishDoc("bad-integrity", "1.0.0", tgz, npmfixture.Integrity([]byte("some other bytes")))
		}(), status: 400, want: "tarball integrity mismatch"},
		{name: "tarball package.json has another name", pkg: "bad-inner-name",
			body:   pub("bad-inner-name", "1.0.0", good("someone-else", "1.0.0")...),
			status: 400, want: `the package.json inside the tarball says "someone-else"@"1.0.0"`},
		{name: "tarball package.json has another version", pkg: "bad-inner-version",
			body:   pub("bad-inner-version", "1.0.0", good("bad-inner-version", "6.6.6")...),
			status: 400, want: `the package.json inside the tarball says "bad-inner-version"@"6.6.6"`},
		{name: "document sent to another package's URL", pkg: "bad-url",
			body:   pub("not-bad-url", "1.0.0", good("not-bad-url", "1.0.0")...),
			status: 400, want: "was sent to the URL of"},

		{name: "document and tarball disagree on dependencies", pkg: "bad-confusion", body: func() []byte {
			tgz := npmfixture.Tarball(0, good("bad-confusion", "1.0.0")...)
			var doc map[string]any
			json.Unmarshal(publishDoc("bad-confusion", "1.0.0", tgz, npmfixture.Integrity(tgz)), &doc)
			doc["versions"].(map[string]any)["1.0.0"].(map[string]any)["dependencies"] = map[string]string{"left-pad": "1.0.0"}
			b, _ := json.Marshal(doc)
			return b
		}(), status: 400, want: `the publish document's "dependencies" differs from the package.json inside the tarball`},
		{name: "restricted access for an unscoped name", pkg: "bad-access", body: func() []byte {
			tgz := npmfixture.Tarball(0, good("bad-access", "1.0.0")...)
			var doc map[string]any
			json.Unmarshal(publishDoc("bad-access", "1.0.0", tgz, npmfixture.Integrity(tgz)), &doc)
			doc["access"] = "restricted"
			b, _ := json.Marshal(doc)
			return b
		}(), status: 400, want: "only scoped packages (@scope/name) can be restricted"},
		{name: "two top-level folders", pkg: "bad-two-tops",
			body:   pub("bad-two-tops", "1.0.0", good("bad-two-tops", "1.0.0", npmfixture.File("other/package.json", packageJSON("bad-two-tops", "1.0.0")))...),
			status: 400, want: "is outside the package folder"},

		{name: "name with capitals", pkg: "BadName", body: pub("BadName", "1.0.0", good("BadName", "1.0.0")...),
			status: 400, want: "can no longer contain capital letters"},
		{name: "name with leading dot", pkg: ".hidden", body: pub(".hidden", "1.0.0", good(".hidden", "1.0.0")...),
			status: 400, want: "cannot start with a period"},
		{name: "name with leading underscore", pkg: "_private", body: pub("_private", "1.0.0", good("_private", "1.0.0")...),
			status: 400, want: "cannot start with an underscore"},
		{name: "name node_modules", pkg: "node_modules", body: pub("node_modules", "1.0.0", good("node_modules", "1.0.0")...),
			status: 400, want: "node_modules is not a valid package name"},
		{name: "Node core module name", pkg: "http", body: pub("http", "1.0.0", good("http", "1.0.0")...),
			status: 400, want: "http is a core module name"},
		{name: "name of 215 characters", pkg: longName, body: pub(longName, "1.0.0", good(longName, "1.0.0")...),
			status: 400, want: "more than 214 characters"},
		{name: "name with a space", pkg: "has space", body: pub("has space", "1.0.0", good("has space", "1.0.0")...),
			status: 400, want: "URL-friendly characters"},

		{name: "partial version", pkg: "bad-semver-short", body: pub("bad-semver-short", "1.0", good("bad-semver-short", "1.0")...),
			status: 400, want: `invalid version "1.0": not a SemVer 2.0.0 version`},
		{name: "version with v prefix", pkg: "bad-semver-v", body: pub("bad-semver-v", "v1.0.0", good("bad-semver-v", "v1.0.0")...),
			status: 400, want: `invalid version "v1.0.0": not a SemVer 2.0.0 version`},

		{name: "entry with absolute path", pkg: "bad-abs",
			body:   pub("bad-abs", "1.0.0", good("bad-abs", "1.0.0", npmfixture.File("/etc/cron.d/evil", "* * * * * root sh"))...),
			status: 400, want: `tarball entry "/etc/cron.d/evil" has an absolute path`},
		{name: "entry with ../ path", pkg: "bad-dotdot",
			body:   pub("bad-dotdot", "1.0.0", good("bad-dotdot", "1.0.0", npmfixture.File("package/../../evil.js", "x"))...),
			status: 400, want: `tarball entry "package/../../evil.js" escapes the package folder`},
		{name: "symlink pointing outside", pkg: "bad-symlink",
			body: pub("bad-symlink", "1.0.0", good("bad-symlink", "1.0.0",
				npmfixture.Entry{Name: "package/passwd", Type: tar.TypeSymlink, Link: "../../../etc/passwd"})...),
			status: 400, want: `symlink "package/passwd" -> "../../../etc/passwd" escapes the package folder`},
		{name: "symlink to an absolute path", pkg: "bad-symlink-abs",
			body: pub("bad-symlink-abs", "1.0.0", good("bad-symlink-abs", "1.0.0",
				npmfixture.Entry{Name: "package/passwd", Type: tar.TypeSymlink, Link: "/etc/passwd"})...),
			status: 400, want: "points to an absolute path"},
		{name: "hard link", pkg: "bad-hardlink",
			body: pub("bad-hardlink", "1.0.0", good("bad-hardlink", "1.0.0",
				npmfixture.Entry{Name: "package/hard.js", Type: tar.TypeLink, Link: "package/index.js"})...),
			status: 400, want: `tarball entry "package/hard.js" is a hard link`},

		{name: "tarball over tarball_bytes", pkg: "too-big",
			body:   pub("too-big", "1.0.0", good("too-big", "1.0.0", npmfixture.File("package/random.bin", string(random)))...),
			status: 413, want: "over this registry's limit of 1 MiB (limits.tarball_bytes)"},
		{name: "gzip bomb: a file of zeros past unpacked_bytes", pkg: "bomb-file",
			body:   pub("bomb-file", "1.0.0", good("bomb-file", "1.0.0", npmfixture.Entry{Name: "package/zeros.bin", Zeros: 3 << 20})...),
			status: 413, want: "limits.unpacked_bytes"},
		{name: "gzip bomb: zeros hidden after the tar end", pkg: "bomb-trailer", body: func() []byte {
			tgz := npmfixture.Tarball(64<<20, good("bomb-trailer", "1.0.0")...)
			return publishDoc("bomb-trailer", "1.0.0", tgz, npmfixture.Integrity(tgz))
		}(), status: 413, want: "decompression bomb"},
		{name: "too many files", pkg: "too-many-files", body: pub("too-many-files", "1.0.0", manyFiles...),
			status: 413, want: "more than 10 entries"},

		{name: "non-publish PUT: neither attachments nor versions", pkg: "bad-nothing", body: []byte(`{"hello":"world"}`),
			status: 400, want: "neither _attachments (publish) nor versions (deprecate)"},
		{name: "non-publish PUT: versions of garbage", pkg: "bad-versions", body: []byte(`{"versions":{"1.0.0":"garbage"}}`),
			status: 400, want: ""}, // the wording is TestWrongShapeMessagesSpeakJSON's business
		{name: "non-publish PUT: a JSON array", pkg: "bad-array", body: []byte(`[1,2,3]`),
			status: 400, want: ""},
		{name: "no credentials", pkg: "no-token", body: pub("no-token", "1.0.0", good("no-token", "1.0.0")...), token: "-",
			status: 401, want: "npm login"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			token := tok
			if tc.token == "-" {
				token = ""
			}
			rep := mustDo(t, http.MethodPut, s.URL+escapeName(tc.pkg), token, tc.body)
			t.Logf("%d %s", rep.Status, rep.ErrorMsg())
			if rep.Status != tc.status || !strings.Contains(rep.ErrorMsg(), tc.want) {
				t.Errorf("got %d %q, want %d with an error containing %q", rep.Status, rep.ErrorMsg(), tc.status, tc.want)
			}
			// Also where tc.want is "" (which any message contains):
			// the refusal is a JSON error that npm prints.
			if rep.ErrorMsg() == "" {
				t.Errorf("the refusal %q has no JSON error field for npm to print", rep.Body)
			}
			if _, ok := getPackument(t, s, tc.pkg); ok {
				t.Errorf("%q has a packument after a refused publish", tc.pkg)
			}
			if files := blobFiles(t, s.Data); len(files) > 0 {
				t.Errorf("a refused publish left blobs behind: %v", files)
			}
		})
	}

	t.Run("body over the limit is cut off while it streams", func(t *testing.T) {
		testStreamedBodyCutOff(t, s, tok)
	})

	s.Stop()
	for _, e := range readEvents(t, s.Data) {
		if strings.HasPrefix(e.Type, "package.") {
			t.Errorf("a refused publish wrote event %d: %s %s@%s", e.Seq, e.Type, e.Package, e.Version)
		}
	}
}

// testStreamedBodyCutOff declares a 300 MiB publish body and produces it
// slowly. The server must answer 413 once the body passes its publish
// limit (the tarball limit in base64 plus limits.manifest_bytes), not
// read all 300 MiB first.
func testStreamedBodyCutOff(t *testing.T, s *testserver.Server, tok string) {
	const declared = 300 << 20
	src := &slowBody{prefix: []byte(`{"_id":"streamed","name":"streamed","_attachments":{"streamed-1.0.0.tgz":{"data":"`), stop: make(chan struct{})}
	defer close(src.stop)
	req, err := http.NewRequest(http.MethodPut, s.URL+"streamed", src)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = declared
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := client.Do(req)
	sent := src.n.Load()
	t.Logf("the server answered after %d KiB of a declared %d MiB, in %v", sent>>10, declared>>20, time.Since(start).Round(time.Millisecond))
	if err != nil {
		// Closing the connection is a refusal too, as long as it came early.
		t.Logf("no response, the connection was closed: %v", err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e struct{ Error string }
		json.Unmarshal(b, &e)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(e.Error, "larger than this registry accepts") {
			t.Errorf("got %d %s, want 413 saying the request is larger than the registry accepts", resp.StatusCode, b)
		}
	}
	if sent > declared/8 {
		t.Errorf("the client had to send %d MiB of a declared %d MiB before the server gave up: it is not cut off while streaming", sent>>20, declared>>20)
	}
	if _, ok := getPackument(t, s, "streamed"); ok {
		t.Errorf("the cut-off publish left a packument")
	}
	if files := blobFiles(t, s.Data); len(files) > 0 {
		t.Errorf("the cut-off publish left blobs behind: %v", files)
	}
}

// slowBody yields prefix, then base64-looking bytes without end, 32 KiB
// per millisecond at most, counting what it produced, until stop closes.
type slowBody struct {
	prefix []byte
	n      atomic.Int64
	stop   chan struct{}
}

var errStopped = errors.New("stopped")

func (b *slowBody) Read(p []byte) (int, error) {
	select {
	case <-b.stop:
		return 0, errStopped
	case <-time.After(time.Millisecond):
	}
	p = p[:min(len(p), 32<<10)]
	k := 0
	if off := b.n.Load(); off < int64(len(b.prefix)) {
		k = copy(p, b.prefix[off:])
	}
	copy(p[k:], bytes.Repeat([]byte("A"), len(p)-k))
	b.n.Add(int64(len(p)))
	return len(p), nil
}

// TestWrongShapeMessagesSpeakJSON sends well-formed JSON of the wrong
// shape. The message must describe the document, not the server's Go
// types, which mean nothing to an npm user and describe our internals.
func TestWrongShapeMessagesSpeakJSON(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "")
	for _, body := range []string{`[1,2,3]`, `{"versions":{"1.0.0":"garbage"}}`, `{"versions":[]}`, `"just a string"`} {
		rep := mustDo(t, http.MethodPut, s.URL+"wrong-shape", tok, []byte(body))
		msg := rep.ErrorMsg()
		if rep.Status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", body, rep.Status, rep.Body)
		}
		// Without this, an answer that is not {"error": ...} at all
		// (plain text, say, which npm cannot print) gives msg "" and
		// passes every check below.
		if msg == "" {
			t.Errorf("%s: answer %q has no JSON error field for npm to print", body, rep.Body)
		}
		for _, leak := range []string{"Go value", "struct {", "npm.present", "json.RawMessage"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: message %q shows the server's Go types (%q)", body, msg, leak)
			}
		}
	}
}
