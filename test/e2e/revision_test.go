package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// writeDoc reads the package the way npm's unpublish, owner and deprecate
// do (GET ?write=true): the whole document with its "_rev".
func writeDoc(t *testing.T, s *testserver.Server, name, bearer string) map[string]any {
	t.Helper()
	h := do(t, "GET", s.URL+strings.Replace(name, "/", "%2f", 1)+"?write=true", bearer, nil)
	if h.Status != 200 {
		t.Fatalf("GET %s?write=true: %d %s", name, h.Status, h.Body)
	}
	d := h.JSON(t)
	if rev, _ := d["_rev"].(string); rev == "" {
		t.Fatalf("the document of %s has no _rev", name)
	}
	return d
}

// withoutVersion is what `npm unpublish name@version` PUTs back: the
// document minus the version, its dist-tags dropped and latest moved to
// the highest remaining version (libnpmpublish's unpublish.js).
func withoutVersion(d map[string]any, version, newLatest string) map[string]any {
	var c map[string]any
	b, _ := json.Marshal(d)
	json.Unmarshal(b, &c)
	delete(c["versions"].(map[string]any), version)
	tags := c["dist-tags"].(map[string]any)
	for tag, v := range tags {
		if v == version {
			delete(tags, tag)
		}
	}
	if newLatest != "" {
		tags["latest"] = newLatest
	}
	return c
}

func mustStatus(t *testing.T, what string, h httpResult, status int, wants ...string) {
	t.Helper()
	if h.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, h.Status, status, h.Body)
	}
	msg, _ := h.JSON(t)["error"].(string) // what npm prints
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Fatalf("%s: error lacks %q: %s", what, w, h.Body)
		}
	}
}

const staleMsg = "changed since you read it"

// TestStaleRevisionRefused: a write from a revision read before another
// client's change is refused with 409 and loses nothing. Each race is
// the request sequence npm 11 itself sends, made deterministic: npm's
// read (GET ?write=true), the other client's change with the real npm
// CLI, then npm's write from the stale document.
func TestStaleRevisionRefused(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	s.CreateUser(t, "bob", "bob@example.com", bobPW)
	s.CreateUser(t, "carol", "carol@example.com", "tangerine-kettle-drum-3")
	alice := signup(t, s, "alice", alicePW)
	other := login(t, s, "alice", alicePW) // alice's second machine
	tok := alice.Token()
	publish(t, alice, pkg{Name: "racy", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "racy", Version: "1.1.0"})

	// `npm unpublish racy@1.1.0` reads the package; meanwhile 1.2.0 is
	// published; then its PUT arrives with the document it read, which
	// has no 1.2.0. Applied, that would unpublish the acknowledged 1.2.0
	// (and burn its number forever).
	read := writeDoc(t, s, "racy", tok)
	publish(t, other, pkg{Name: "racy", Version: "1.2.0"})
	h := do(t, "PUT", s.URL+"racy/-rev/"+read["_rev"].(string), tok, withoutVersion(read, "1.1.0", "1.0.0"))
	mustStatus(t, "unpublish PUT from a stale revision", h, 409, staleMsg, "run the command again")
	if got := slices.Sorted(slices.Values(viewVersions(t, anon(t, s), "racy"))); !slices.Equal(got, []string{"1.0.0", "1.1.0", "1.2.0"}) {
		t.Fatalf("versions after a refused stale unpublish: %v", got)
	}
	app := project(t)
	anon(t, s).MustRun(app, "install", "racy@1.2.0")
	if v := installedVersion(t, app, "racy"); v != "1.2.0" {
		t.Fatalf("installed %s", v)
	}
	// The whole-package DELETE from a stale revision is refused too.
	h = do(t, "DELETE", s.URL+"racy/-rev/"+read["_rev"].(string), tok, nil)
	mustStatus(t, "unpublish-all DELETE from a stale revision", h, 409, staleMsg)
	if d := getDoc(t, s, "racy"); len(d.Versions) != 3 {
		t.Fatalf("versions after a refused stale DELETE: %v", keys(d.Versions))
	}

	// `npm owner add carol` reads the package; meanwhile bob is added
	// from the other machine; then the PUT with the maintainers it read
	// plus carol. Applied, it would silently drop bob.
	read = writeDoc(t, s, "racy", tok)
	mustContain(t, other.MustRun("", "owner", "add", "bob", "racy").Stdout, "+ bob (racy)")
	owners := append(read["maintainers"].([]any), map[string]any{"name": "carol", "email": "carol@example.com"})
	h = do(t, "PUT", s.URL+"racy/-rev/"+read["_rev"].(string), tok, map[string]any{"_id": "racy", "_rev": read["_rev"], "maintainers": owners})
	mustStatus(t, "owner PUT from a stale revision", h, 409, staleMsg)
	r := anon(t, s).MustRun("", "owner", "ls", "racy")
	mustContain(t, r.Stdout, "alice <alice@example.com>", "bob <bob@example.com>")
	mustNotContain(t, r.Stdout, "carol")

	// `npm deprecate racy@1.1.0` reads the package; meanwhile 1.0.0 is
	// deprecated from the other machine; then PUT /racy with the
	// document it read. Applied wholesale, it would clear 1.0.0's
	// deprecation.
	read = writeDoc(t, s, "racy", tok)
	other.MustRun("", "deprecate", "racy@1.0.0", "1.0.0 leaks file handles")
	read["versions"].(map[string]any)["1.1.0"].(map[string]any)["deprecated"] = "use 1.2.0"
	h = do(t, "PUT", s.URL+"racy", tok, read)
	mustStatus(t, "deprecate PUT from a stale revision", h, 409, staleMsg)
	d := getDoc(t, s, "racy")
	if d.Versions["1.0.0"].Deprecated != "1.0.0 leaks file handles" || d.Versions["1.1.0"].Deprecated != "" {
		t.Fatalf("after a refused stale deprecate: 1.0.0=%q 1.1.0=%q", d.Versions["1.0.0"].Deprecated, d.Versions["1.1.0"].Deprecated)
	}

	// Run again, each command reads the current revision and works.
	alice.MustRun("", "deprecate", "racy@1.1.0", "use 1.2.0")
	mustContain(t, alice.MustRun("", "owner", "add", "carol", "racy").Stdout, "+ carol (racy)")
	mustContain(t, alice.MustRun("", "unpublish", "racy@1.1.0").Output(), "- racy@1.1.0")
	d = getDoc(t, s, "racy")
	if got := slices.Sorted(slices.Values(keys(d.Versions))); !slices.Equal(got, []string{"1.0.0", "1.2.0"}) {
		t.Fatalf("versions after npm unpublish racy@1.1.0: %v", got)
	}
	if d.Versions["1.0.0"].Deprecated != "1.0.0 leaks file handles" || d.DistTags["latest"] != "1.2.0" {
		t.Fatalf("1.0.0 deprecated=%q, latest=%q", d.Versions["1.0.0"].Deprecated, d.DistTags["latest"])
	}
	r = anon(t, s).MustRun("", "owner", "ls", "racy")
	mustContain(t, r.Stdout, "alice <", "bob <", "carol <")

	// The revision check tells a stranger nothing about a restricted
	// package: a guessed revision gets the same 404 as a missing name.
	publish(t, alice, pkg{Name: "@alice/secret", Version: "1.0.0"}, "--access", "restricted")
	bob := login(t, s, "bob", bobPW)
	for _, name := range []string{"@alice%2fsecret", "@alice%2fnothing-here"} {
		h = do(t, "PUT", s.URL+name+"/-rev/1-0000000000000000", bob.Token(), map[string]any{"_id": strings.Replace(name, "%2f", "/", 1), "maintainers": []any{map[string]any{"name": "bob"}}})
		mustStatus(t, "a stranger's stale PUT to "+name, h, 404, "was not found")
	}
}

// TestRevisionUpdateChangesOnlyWhatItMeans: a document sent back at the
// current revision is compared with the package, never stored: a change
// npm's commands cannot mean (a version's integrity, a dist-tag, a new
// version) is refused with 400 and nothing changes.
func TestRevisionUpdateChangesOnlyWhatItMeans(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	tok := alice.Token()
	publish(t, alice, pkg{Name: "steady", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "steady", Version: "1.1.0"})
	before := string(packument(t, s, "steady", "").Body)

	edits := []struct {
		what string
		edit func(d map[string]any)
		want string
	}{
		{"a version's integrity", func(d map[string]any) {
			d["versions"].(map[string]any)["1.0.0"].(map[string]any)["dist"].(map[string]any)["integrity"] = "sha512-AAAA"
		}, `the field "dist" of version 1.0.0 differs`},
		{"a version's dependencies", func(d map[string]any) {
			d["versions"].(map[string]any)["1.1.0"].(map[string]any)["dependencies"] = map[string]any{"evil": "*"}
		}, `the field "dependencies" of version 1.1.0 differs`},
		{"a dist-tag", func(d map[string]any) { d["dist-tags"].(map[string]any)["latest"] = "1.0.0" }, `the dist-tag "latest" differs`},
		{"a new version", func(d map[string]any) {
			d["versions"].(map[string]any)["9.9.9"] = map[string]any{"name": "steady", "version": "9.9.9"}
		}, "publish new versions with `npm publish`"},
		{"the description", func(d map[string]any) { d["description"] = "pwned" }, `the field "description" differs`},
	}
	for _, e := range edits {
		d := writeDoc(t, s, "steady", tok)
		e.edit(d)
		h := do(t, "PUT", s.URL+"steady/-rev/"+d["_rev"].(string), tok, d)
		mustStatus(t, "PUT changing "+e.what, h, 400, e.want, "Nothing was changed")
		h = do(t, "PUT", s.URL+"steady", tok, d)
		mustStatus(t, "deprecate-style PUT changing "+e.what, h, 400, e.want)
	}
	if after := string(packument(t, s, "steady", "").Body); after != before {
		t.Fatalf("a refused update changed the document:\nbefore %s\nafter  %s", before, after)
	}
	// A PUT without a revision cannot be checked, so it is refused.
	d := writeDoc(t, s, "steady", tok)
	delete(d, "_rev")
	mustStatus(t, "deprecate PUT without _rev", do(t, "PUT", s.URL+"steady", tok, d), 400, `no "_rev"`)
}
