// Package e2e drives the real npm CLI against a real `rampart serve`
// process. Every test starts its own server (internal/testserver) and its
// own npm environments (fresh HOME, user config and cache), so tests run in
// parallel and share nothing.
package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testserver"
)

// Passwords are at least 10 characters and contain none of the user names
// used below (alice, bob, carol, dave).
const (
	alicePW = "correct-horse-battery-1"
	bobPW   = "purple-monkey-dishwasher-2"
)

// server starts a fresh registry with extra TOML config, mailing over
// SMTP to a real server on loopback.
func server(t *testing.T, config string) *testserver.Server {
	t.Helper()
	return testserver.Start(t, testserver.Options{Config: config, SMTP: true})
}

// signup runs `npm adduser` for a new account in a fresh npm environment,
// then verifies the address through the link mailed to it.
func signup(t *testing.T, s *testserver.Server, user, pw string) *testserver.NPM {
	t.Helper()
	n := adduser(t, s, user, pw)
	followMailedLink(t, s, user+"@example.com", "verify-email", nil)
	return n
}

// adduser runs `npm adduser` and leaves the address unverified.
func adduser(t *testing.T, s *testserver.Server, user, pw string) *testserver.NPM {
	t.Helper()
	n := testserver.NewNPM(t, s.URL)
	n.Login(user, pw, user+"@example.com")
	return n
}

var tokenInput = regexp.MustCompile(`<input type="hidden" name="token" value="([A-Za-z0-9_-]+)">`)

// followMailedLink waits for the next mail to addr with a link to page
// (verify-email, reset-password), skipping notices in between (a sign-in
// from a new device, say), opens the link as a browser would (GET shows a
// form) and submits the form with extra fields. It returns the page the
// POST answered with.
func followMailedLink(t *testing.T, s *testserver.Server, addr, page string, extra url.Values) string {
	t.Helper()
	var link string
	var skipped []string
	deadline := time.Now().Add(30 * time.Second)
	for link == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s with a %s link; mails seen: %q", addr, page, skipped)
		}
		m := s.Mail.WaitFor(t, addr, time.Until(deadline))
		for _, l := range m.Links() {
			if strings.HasPrefix(l, s.URL+page+"?token=") {
				link = l
			}
		}
		skipped = append(skipped, m.Subject)
	}
	status, body := browser(t, http.MethodGet, link, nil)
	sub := tokenInput.FindStringSubmatch(body)
	if status != http.StatusOK || sub == nil {
		t.Fatalf("GET %s: status %d, no form:\n%s", link, status, body)
	}
	form := url.Values{"token": {sub[1]}}
	for k, v := range extra {
		form[k] = v
	}
	status, body = browser(t, http.MethodPost, s.URL+page, form)
	if status != http.StatusOK {
		t.Fatalf("POST %s: status %d:\n%s", page, status, body)
	}
	return body
}

// browser sends a request the way a browser would (HTML, forms).
func browser(t *testing.T, method, target string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// login runs `npm login` for an existing account in a fresh npm environment.
func login(t *testing.T, s *testserver.Server, user, pw string) *testserver.NPM {
	t.Helper()
	n := testserver.NewNPM(t, s.URL)
	n.Login(user, pw, "")
	return n
}

// anon is a fresh npm environment with no credentials.
func anon(t *testing.T, s *testserver.Server) *testserver.NPM {
	t.Helper()
	return testserver.NewNPM(t, s.URL)
}

// pkg describes a package folder to build and publish.
type pkg struct {
	Name, Version, Description string
	Deps                       map[string]string
	Keywords                   []string
	// Bin, when set, is a command name whose script prints
	// "<name> bin <version>".
	Bin string
	// Files are extra files (path relative to the package root).
	Files map[string][]byte
}

// writePkg builds a real package folder: package.json, index.js (which
// requires its dependencies), README.md and an optional bin script.
func writePkg(t *testing.T, p pkg) string {
	t.Helper()
	dir := t.TempDir()
	if p.Description == "" {
		p.Description = "The " + p.Name + " package, for end-to-end tests"
	}
	manifest := map[string]any{
		"name":        p.Name,
		"version":     p.Version,
		"description": p.Description,
		"main":        "index.js",
		"license":     "MIT",
		"author":      "E2E Tests <e2e@example.com>",
	}
	if len(p.Keywords) > 0 {
		manifest["keywords"] = p.Keywords
	}
	if len(p.Deps) > 0 {
		manifest["dependencies"] = p.Deps
	}
	if p.Bin != "" {
		manifest["bin"] = map[string]string{p.Bin: "bin/cli.js"}
	}
	pj, _ := json.MarshalIndent(manifest, "", "  ")
	write(t, filepath.Join(dir, "package.json"), pj)
	var idx strings.Builder
	idx.WriteString("'use strict'\n")
	idx.WriteString("exports.name = " + jsString(p.Name) + "\n")
	idx.WriteString("exports.version = " + jsString(p.Version) + "\n")
	idx.WriteString("exports.hello = () => 'hello from " + p.Name + "@" + p.Version + "'\n")
	idx.WriteString("exports.deps = {}\n")
	for d := range p.Deps {
		idx.WriteString("exports.deps[" + jsString(d) + "] = require(" + jsString(d) + ").hello()\n")
	}
	write(t, filepath.Join(dir, "index.js"), []byte(idx.String()))
	write(t, filepath.Join(dir, "README.md"), []byte("# "+p.Name+"\n\n"+p.Description+".\n"))
	if p.Bin != "" {
		script := "#!/usr/bin/env node\nconsole.log(" + jsString(p.Name+" bin "+p.Version) + ")\n"
		write(t, filepath.Join(dir, "bin", "cli.js"), []byte(script))
		os.Chmod(filepath.Join(dir, "bin", "cli.js"), 0o755)
	}
	for name, b := range p.Files {
		write(t, filepath.Join(dir, name), b)
	}
	return dir
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// publish builds p and publishes it with n, checking npm's "+ name@version".
func publish(t *testing.T, n *testserver.NPM, p pkg, args ...string) string {
	t.Helper()
	dir := writePkg(t, p)
	r := n.MustRun(dir, append([]string{"publish"}, args...)...)
	mustContain(t, r.Output(), "+ "+p.Name+"@"+p.Version)
	return dir
}

// project makes an empty application folder.
func project(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "package.json"), []byte(`{"name":"e2e-app","version":"1.0.0","private":true}`+"\n"))
	return dir
}

// installedVersion reads node_modules/<name>/package.json's version.
func installedVersion(t *testing.T, dir, name string) string {
	t.Helper()
	var m struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(read(t, filepath.Join(dir, "node_modules", name, "package.json")), &m); err != nil {
		t.Fatal(err)
	}
	return m.Version
}

// node runs `node -e script` in dir and returns its standard output.
func node(t *testing.T, dir, script string) string {
	t.Helper()
	cmd := exec.Command("node", "-e", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node -e %q: %v\n%s", script, err, out)
	}
	return string(out)
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Fatalf("output lacks %q:\n%s", w, out)
		}
	}
}

func mustNotContain(t *testing.T, out string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(out, b) {
			t.Fatalf("output unexpectedly contains %q:\n%s", b, out)
		}
	}
}

// mustFail checks that npm failed and printed every one of wants.
func mustFail(t *testing.T, r testserver.Result, wants ...string) {
	t.Helper()
	if r.Err == nil {
		t.Fatalf("npm succeeded but should have failed:\n%s", r.Output())
	}
	mustContain(t, r.Output(), wants...)
}

// ---- raw HTTP, for what npm does not send or to look behind it ----

type httpResult struct {
	Status int
	Body   []byte
}

func (h httpResult) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(h.Body, &m); err != nil {
		t.Fatalf("not JSON (status %d): %v\n%s", h.Status, err, h.Body)
	}
	return m
}

func do(t *testing.T, method, url, bearer string, body any) httpResult {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	c := &http.Client{Timeout: 60 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return httpResult{Status: resp.StatusCode, Body: b}
}

// packument GETs the full document of name (scoped names escaped as npm does).
func packument(t *testing.T, s *testserver.Server, name, bearer string) httpResult {
	t.Helper()
	return do(t, "GET", s.URL+strings.Replace(name, "/", "%2f", 1), bearer, nil)
}

// doc is the parts of a full packument the tests read.
type doc struct {
	Name        string            `json:"name"`
	DistTags    map[string]string `json:"dist-tags"`
	Maintainers []struct {
		Name, Email string
	} `json:"maintainers"`
	Versions map[string]struct {
		Version    string `json:"version"`
		Deprecated string `json:"deprecated"`
		NPMUser    struct {
			Name string `json:"name"`
		} `json:"_npmUser"`
		Dist struct {
			Tarball   string `json:"tarball"`
			Integrity string `json:"integrity"`
			Shasum    string `json:"shasum"`
		} `json:"dist"`
	} `json:"versions"`
}

func getDoc(t *testing.T, s *testserver.Server, name string) doc {
	t.Helper()
	h := packument(t, s, name, "")
	if h.Status != 200 {
		t.Fatalf("GET %s: %d %s", name, h.Status, h.Body)
	}
	var d doc
	if err := json.Unmarshal(h.Body, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// createToken POSTs to the token API the way npm does, with extra fields
// npm 11 cannot send.
func createToken(t *testing.T, s *testserver.Server, session string, body map[string]any) httpResult {
	t.Helper()
	return do(t, "POST", s.URL+"-/npm/v1/tokens", session, body)
}

func mustCreateToken(t *testing.T, s *testserver.Server, session string, body map[string]any) string {
	t.Helper()
	h := createToken(t, s, session, body)
	if h.Status != 201 {
		t.Fatalf("creating token %v: %d %s", body, h.Status, h.Body)
	}
	tok, _ := h.JSON(t)["token"].(string)
	if !tokenRE.MatchString(tok) {
		t.Fatalf("created token %q does not look like a Rampart token", tok)
	}
	return tok
}

var tokenRE = regexp.MustCompile(`rmp_[0-9A-Za-z]{36}`)

// ---- content helpers ----

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func sri512(b []byte) string {
	h := sha512.Sum512(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(h[:])
}

// lockfile is the part of package-lock.json the tests read.
type lockfile struct {
	LockfileVersion int `json:"lockfileVersion"`
	Packages        map[string]struct {
		Version   string `json:"version"`
		Resolved  string `json:"resolved"`
		Integrity string `json:"integrity"`
	} `json:"packages"`
}

func readLock(t *testing.T, dir string) lockfile {
	t.Helper()
	var l lockfile
	if err := json.Unmarshal(read(t, filepath.Join(dir, "package-lock.json")), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// viewVersions runs `npm view <name> versions --json` (a string for one
// version, an array for several) and returns the list.
func viewVersions(t *testing.T, n *testserver.NPM, name string) []string {
	t.Helper()
	out := n.MustRun("", "view", name, "versions", "--json").Stdout
	var one string
	if json.Unmarshal([]byte(out), &one) == nil {
		return []string{one}
	}
	var many []string
	if err := json.Unmarshal([]byte(out), &many); err != nil {
		t.Fatalf("npm view %s versions --json: %v\n%s", name, err, out)
	}
	return many
}

// logShows waits up to 10 s for the server's log to contain want: the
// log is copied from the process's stderr by a goroutine, so a line
// written before an answer may reach the buffer after it.
func logShows(s *testserver.Server, want string) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.Log(), want) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}
