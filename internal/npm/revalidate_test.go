package npm_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/npmfixture"
)

// get sends GET path as npm does, with If-None-Match inm (if any) and
// the token (if any).
func (g *goldenRegistry) get(t *testing.T, path, accept, inm, token string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("Accept", accept)
	r.Header.Set("Accept-Encoding", "gzip")
	if inm != "" {
		r.Header.Set("If-None-Match", inm)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	g.h.ServeHTTP(w, r)
	return w
}

func (g *goldenRegistry) send(t *testing.T, method, path, token string, body any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	w := g.do(t, goldenRequest{method: method, path: path, token: token, body: b})
	if w.Code != http.StatusOK && w.Code != http.StatusCreated {
		t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
	}
}

const (
	acceptFull  = "application/json"
	acceptCorgi = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"
)

// TestRevalidation: a packument GET with If-None-Match is answered 304
// only while the caller's copy is the current one of the form it asks
// for, and only to a caller who may read the package: never across a
// publish, a deprecation or an unpublish, never for the other form, and
// never to a stranger of a restricted package.
func TestRevalidation(t *testing.T) {
	g := newGoldenRegistry(t)
	publish := func(name, version string) {
		t.Helper()
		w := g.do(t, goldenRequest{method: "PUT", path: "/" + name, token: g.alice, body: publishBody(name, version)})
		if w.Code != http.StatusCreated {
			t.Fatalf("publishing %s@%s: %d %s", name, version, w.Code, w.Body)
		}
	}
	// etagOf reads the current ETag of a form, with a 200.
	etagOf := func(path, accept, token string) string {
		t.Helper()
		w := g.get(t, path, accept, "", token)
		if w.Code != http.StatusOK || w.Header().Get("ETag") == "" {
			t.Fatalf("GET %s: %d, ETag %q", path, w.Code, w.Header().Get("ETag"))
		}
		return w.Header().Get("ETag")
	}
	want := func(step, path, accept, inm, token string, code int) *httptest.ResponseRecorder {
		t.Helper()
		w := g.get(t, path, accept, inm, token)
		if w.Code != code {
			t.Fatalf("%s: GET %s with If-None-Match %s: %d, want %d (%s)", step, path, inm, w.Code, code, w.Body)
		}
		if code == http.StatusNotModified {
			etag := w.Header().Get("ETag")
			if w.Body.Len() != 0 || etag == "" || inm != "*" && !strings.Contains(inm, strings.TrimPrefix(etag, "W/")) {
				t.Fatalf("%s: 304 with %d body bytes and ETag %q", step, w.Body.Len(), w.Header().Get("ETag"))
			}
			if w.Header().Get("Cache-Control") == "" || w.Header().Get("Vary") == "" {
				t.Fatalf("%s: 304 without the 200's Cache-Control and Vary: %v", step, w.Header())
			}
		}
		return w
	}

	publish("left-pad", "1.0.0")
	full := etagOf("/left-pad", acceptFull, "")
	corgi := etagOf("/left-pad", acceptCorgi, "")
	if full == corgi {
		t.Fatalf("the full and abbreviated documents have the same ETag %s", full)
	}
	want("current", "/left-pad", acceptFull, full, "", http.StatusNotModified)
	want("current, abbreviated", "/left-pad", acceptCorgi, corgi, "", http.StatusNotModified)
	want("one of a list", "/left-pad", acceptFull, `"old", `+full+` , W/"other"`, "", http.StatusNotModified)
	want("strong form of the weak tag", "/left-pad", acceptFull, full[len("W/"):], "", http.StatusNotModified)
	want("any", "/left-pad", acceptFull, "*", "", http.StatusNotModified)
	want("the other form's tag", "/left-pad", acceptFull, corgi, "", http.StatusOK)
	want("a tag that is not one", "/left-pad", acceptFull, "garbage", "", http.StatusOK)
	want("a prefix of the tag", "/left-pad", acceptFull, full[:len(full)-2]+`"`, "", http.StatusOK)

	publish("left-pad", "1.1.0")
	w := want("after a publish", "/left-pad", acceptFull, full, "", http.StatusOK)
	if w.Header().Get("ETag") == full {
		t.Fatal("the ETag did not change with a publish")
	}
	full = w.Header().Get("ETag")
	want("after a publish, abbreviated", "/left-pad", acceptCorgi, corgi, "", http.StatusOK)

	// npm deprecate: the document for writing, sent back with a message.
	var doc map[string]any
	if err := json.Unmarshal(g.do(t, goldenRequest{method: "GET", path: "/left-pad?write=true", accept: acceptFull, token: g.alice}).Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	doc["versions"].(map[string]any)["1.0.0"].(map[string]any)["deprecated"] = "use 1.1.0"
	g.send(t, "PUT", "/left-pad", g.alice, doc)
	w = want("after a deprecation", "/left-pad", acceptFull, full, "", http.StatusOK)
	if !bytes.Contains(gunzip(t, w.Body.Bytes()), []byte("use 1.1.0")) {
		t.Fatal("the document after a deprecation does not show it")
	}
	full = w.Header().Get("ETag")
	want("after a deprecation, current", "/left-pad", acceptFull, full, "", http.StatusNotModified)

	// npm unpublish left-pad --force: the package is gone.
	if err := json.Unmarshal(g.do(t, goldenRequest{method: "GET", path: "/left-pad?write=true", accept: acceptFull, token: g.alice}).Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if w := g.do(t, goldenRequest{method: "DELETE", path: "/left-pad/-rev/" + doc["_rev"].(string), token: g.alice}); w.Code != http.StatusOK {
		t.Fatalf("unpublishing: %d %s", w.Code, w.Body)
	}
	want("after an unpublish", "/left-pad", acceptFull, full, "", http.StatusNotFound)
	want("after an unpublish, any", "/left-pad", acceptFull, "*", "", http.StatusNotFound)

	// A restricted package: its maintainer revalidates, a stranger and
	// an anonymous caller learn nothing, not even that the tag holds.
	w = g.do(t, goldenRequest{method: "PUT", path: "/@alice%2fsecret", token: g.alice, body: restrictedBody("@alice/secret", "1.0.0")})
	if w.Code != http.StatusCreated {
		t.Fatalf("publishing a restricted package: %d %s", w.Code, w.Body)
	}
	secret := etagOf("/@alice%2fsecret", acceptFull, g.alice)
	want("restricted, maintainer", "/@alice%2fsecret", acceptFull, secret, g.alice, http.StatusNotModified)
	want("restricted, stranger", "/@alice%2fsecret", acceptFull, secret, g.bob, http.StatusNotFound)
	want("restricted, anonymous", "/@alice%2fsecret", acceptFull, secret, "", http.StatusNotFound)
	want("restricted, anonymous, any", "/@alice%2fsecret", acceptFull, "*", "", http.StatusNotFound)
	if cc := g.get(t, "/@alice%2fsecret", acceptFull, secret, g.alice).Header().Get("Cache-Control"); cc != "private, no-cache" {
		t.Fatalf("a restricted package's 304 says Cache-Control %q, want private, no-cache", cc)
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// restrictedBody is publishBody with --access restricted.
func restrictedBody(name, version string) []byte {
	pj := map[string]any{"name": name, "version": version, "description": "a private thing", "license": "UNLICENSED"}
	tgz := npmfixture.Package(pj, map[string]string{"index.js": "module.exports = 1\n"})
	return npmfixture.Publish{Manifest: pj, Tarball: tgz, Access: "restricted"}.Body()
}
