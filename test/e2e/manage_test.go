package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// TestSearchOutdatedUpdate: search finds packages by name and by keyword;
// after 1.1.0 is published, `npm outdated` reports it and `npm update`
// installs it and records it in the lockfile.
func TestSearchOutdatedUpdate(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "colorful-logger", Version: "1.0.0", Description: "Logs in many colours", Keywords: []string{"logging", "rainbow"}})
	publish(t, alice, pkg{Name: "tiny-base", Version: "1.0.0", Keywords: []string{"base"}})

	user := anon(t, s)
	r := user.MustRun("", "search", "colorful")
	mustContain(t, r.Stdout, "colorful-logger", "Logs in many colours")
	mustNotContain(t, r.Stdout, "tiny-base")
	r = user.MustRun("", "search", "rainbow") // a keyword only
	mustContain(t, r.Stdout, "colorful-logger")
	mustNotContain(t, r.Stdout, "tiny-base")
	r = user.MustRun("", "search", "--json", "logging")
	var hits []struct {
		Name, Version, Description string
		Keywords                   []string
		Maintainers                []struct{ Username string }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &hits); err != nil {
		t.Fatalf("npm search --json: %v\n%s", err, r.Stdout)
	}
	if len(hits) != 1 || hits[0].Name != "colorful-logger" || hits[0].Version != "1.0.0" || hits[0].Description != "Logs in many colours" ||
		len(hits[0].Maintainers) != 1 || hits[0].Maintainers[0].Username != "alice" || strings.Join(hits[0].Keywords, ",") != "logging,rainbow" {
		t.Fatalf("npm search --json logging = %+v", hits)
	}
	r = user.MustRun("", "search", "no-such-thing-anywhere")
	mustContain(t, r.Output(), "No matches found")

	app := project(t)
	user.MustRun(app, "install", "colorful-logger")
	if r := user.MustRun(app, "outdated"); strings.TrimSpace(r.Stdout) != "" {
		t.Fatalf("npm outdated before 1.1.0:\n%s", r.Output())
	}

	publish(t, alice, pkg{Name: "colorful-logger", Version: "1.1.0", Keywords: []string{"logging", "rainbow"}})
	r = user.Run(app, "outdated")
	if r.Err == nil {
		t.Fatalf("npm outdated exited 0 with an outdated dependency:\n%s", r.Output())
	}
	if !regexp.MustCompile(`(?m)^colorful-logger\s+1\.0\.0\s+1\.1\.0\s+1\.1\.0\s`).MatchString(r.Stdout) {
		t.Fatalf("npm outdated does not show 1.0.0 -> 1.1.0:\n%s", r.Output())
	}
	mustNotContain(t, r.Stdout, "tiny-base")

	user.MustRun(app, "update")
	if got := installedVersion(t, app, "colorful-logger"); got != "1.1.0" {
		t.Fatalf("after npm update node_modules has colorful-logger@%s", got)
	}
	e := readLock(t, app).Packages["node_modules/colorful-logger"]
	if e.Version != "1.1.0" || e.Resolved != s.URL+"colorful-logger/-/colorful-logger-1.1.0.tgz" {
		t.Fatalf("lockfile after update: %+v", e)
	}
	mustContain(t, node(t, app, `console.log(require('colorful-logger').hello())`), "hello from colorful-logger@1.1.0")
	if r := user.MustRun(app, "outdated"); strings.TrimSpace(r.Stdout) != "" {
		t.Fatalf("npm outdated after update:\n%s", r.Output())
	}
}

// TestDistTags: add, list, install by tag, remove; latest cannot be removed.
func TestDistTags(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "tagged", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "tagged", Version: "1.1.0"})
	publish(t, alice, pkg{Name: "tagged", Version: "2.0.0-beta.1"}, "--tag", "next")

	r := alice.MustRun("", "dist-tag", "add", "tagged@1.0.0", "stable")
	mustContain(t, r.Stdout, "+stable: tagged@1.0.0")
	r = alice.MustRun("", "dist-tag", "ls", "tagged")
	mustContain(t, r.Stdout, "latest: 1.1.0", "next: 2.0.0-beta.1", "stable: 1.0.0")
	if d := getDoc(t, s, "tagged"); d.DistTags["stable"] != "1.0.0" || d.DistTags["latest"] != "1.1.0" || d.DistTags["next"] != "2.0.0-beta.1" {
		t.Fatalf("packument dist-tags = %v", d.DistTags)
	}

	user := anon(t, s)
	app := project(t)
	user.MustRun(app, "install", "tagged@stable")
	if got := installedVersion(t, app, "tagged"); got != "1.0.0" {
		t.Fatalf("tagged@stable installed %s", got)
	}
	app2 := project(t)
	user.MustRun(app2, "install", "tagged@next")
	if got := installedVersion(t, app2, "tagged"); got != "2.0.0-beta.1" {
		t.Fatalf("tagged@next installed %s", got)
	}
	mustContain(t, user.MustRun("", "view", "tagged", "dist-tags.stable").Stdout, "1.0.0")

	// Moving latest back is allowed.
	r = alice.MustRun("", "dist-tag", "add", "tagged@1.0.0", "latest")
	mustContain(t, r.Stdout, "+latest: tagged@1.0.0")
	if d := getDoc(t, s, "tagged"); d.DistTags["latest"] != "1.0.0" {
		t.Fatalf("latest after moving = %v", d.DistTags)
	}
	alice.MustRun("", "dist-tag", "add", "tagged@1.1.0", "latest")

	r = alice.MustRun("", "dist-tag", "rm", "tagged", "stable")
	mustContain(t, r.Stdout, "-stable: tagged@1.0.0")
	r = alice.MustRun("", "dist-tag", "ls", "tagged")
	mustNotContain(t, r.Stdout, "stable")
	mustContain(t, r.Stdout, "latest: 1.1.0")
	if d := getDoc(t, s, "tagged"); d.DistTags["stable"] != "" {
		t.Fatalf("stable still in the packument: %v", d.DistTags)
	}

	mustFail(t, alice.Run("", "dist-tag", "rm", "tagged", "latest"),
		"400 Bad Request - DELETE "+s.URL+"-/package/tagged/dist-tags/latest - the latest tag cannot be removed; point it at another version with `npm dist-tag add tagged@<version> latest`")
	if d := getDoc(t, s, "tagged"); d.DistTags["latest"] != "1.1.0" {
		t.Fatalf("latest after the refused rm = %v", d.DistTags)
	}
	// Tagging a version that does not exist is refused by the server.
	mustFail(t, alice.Run("", "dist-tag", "add", "tagged@9.9.9", "stable"),
		"404 Not Found - PUT "+s.URL+"-/package/tagged/dist-tags/stable - tagged has no version 9.9.9 to tag")
	// Someone else cannot tag.
	bob := signup(t, s, "bob", bobPW)
	mustFail(t, bob.Run("", "dist-tag", "add", "tagged@1.0.0", "mine"),
		"403 Forbidden", "you (bob) are not a maintainer of tagged")
}

// TestDeprecate: a deprecation shows as an install warning and in npm
// view; undeprecating ("") removes both.
func TestDeprecate(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "old-thing", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "old-thing", Version: "1.1.0"})

	alice.MustRun("", "deprecate", "old-thing@1.0.0", "use 1.1.0, it fixes the frobnicator")
	d := getDoc(t, s, "old-thing")
	if d.Versions["1.0.0"].Deprecated != "use 1.1.0, it fixes the frobnicator" || d.Versions["1.1.0"].Deprecated != "" {
		t.Fatalf("deprecated fields: 1.0.0=%q 1.1.0=%q", d.Versions["1.0.0"].Deprecated, d.Versions["1.1.0"].Deprecated)
	}
	user := anon(t, s)
	app := project(t)
	r := user.MustRun(app, "install", "old-thing@1.0.0")
	mustContain(t, r.Output(), "npm warn deprecated old-thing@1.0.0: use 1.1.0, it fixes the frobnicator")
	if got := installedVersion(t, app, "old-thing"); got != "1.0.0" {
		t.Fatalf("installed %s; a deprecated version must stay installable", got)
	}
	mustContain(t, user.MustRun("", "view", "old-thing@1.0.0").Stdout, "DEPRECATED", "use 1.1.0, it fixes the frobnicator")
	// The other version installs without a warning.
	r = user.MustRun(project(t), "install", "old-thing@1.1.0")
	mustNotContain(t, r.Output(), "deprecated")

	// npm's own duplicate check skips deprecated versions; the server
	// still refuses to publish over one.
	mustFail(t, alice.Run(writePkg(t, pkg{Name: "old-thing", Version: "1.0.0"}), "publish", "--tag", "legacy"),
		"409 Conflict - PUT "+s.URL+"old-thing - cannot publish over previously published version \"1.0.0\" of old-thing")

	alice.MustRun("", "deprecate", "old-thing@1.0.0", "")
	d = getDoc(t, s, "old-thing")
	if d.Versions["1.0.0"].Deprecated != "" {
		t.Fatalf("after undeprecate 1.0.0 deprecated=%q", d.Versions["1.0.0"].Deprecated)
	}
	if strings.Contains(string(packument(t, s, "old-thing", "").Body), `"deprecated"`) {
		t.Fatal("the packument still has a deprecated field")
	}
	r = user.MustRun(project(t), "install", "old-thing@1.0.0")
	mustNotContain(t, r.Output(), "deprecated")
	mustNotContain(t, user.MustRun("", "view", "old-thing@1.0.0").Stdout, "DEPRECATED")

	// Deprecating a whole range, then undeprecate.
	alice.MustRun("", "deprecate", "old-thing", "this package is no longer maintained")
	r = anon(t, s).MustRun(project(t), "install", "old-thing")
	mustContain(t, r.Output(), "npm warn deprecated old-thing@1.1.0: this package is no longer maintained")
	alice.MustRun("", "undeprecate", "old-thing")
	r = anon(t, s).MustRun(project(t), "install", "old-thing")
	mustNotContain(t, r.Output(), "deprecated")
}

// TestOwners: owner add lets another user publish; owner rm stops them.
func TestOwners(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	s.CreateUser(t, "bob", "bob@example.com", bobPW)
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "shared-pkg", Version: "1.0.0"})
	bob := login(t, s, "bob", bobPW)

	// Before being added, bob cannot publish.
	mustFail(t, bob.Run(writePkg(t, pkg{Name: "shared-pkg", Version: "1.0.1"}), "publish"),
		"403 Forbidden - PUT "+s.URL+"shared-pkg - you (bob) are not a maintainer of shared-pkg; ask one of its maintainers (`npm owner ls shared-pkg`) to add you")

	r := alice.MustRun("", "owner", "add", "bob", "shared-pkg")
	mustContain(t, r.Stdout, "+ bob (shared-pkg)")
	r = alice.MustRun("", "owner", "ls", "shared-pkg")
	mustContain(t, r.Stdout, "alice <alice@example.com>", "bob <bob@example.com>")

	publish(t, bob, pkg{Name: "shared-pkg", Version: "1.1.0"})
	d := getDoc(t, s, "shared-pkg")
	if d.Versions["1.1.0"].NPMUser.Name != "bob" || d.DistTags["latest"] != "1.1.0" {
		t.Fatalf("1.1.0 published by %q, latest %q", d.Versions["1.1.0"].NPMUser.Name, d.DistTags["latest"])
	}
	mustContain(t, anon(t, s).MustRun("", "view", "shared-pkg").Stdout, "latest: 1.1.0", "by bob <bob@example.com>")

	r = alice.MustRun("", "owner", "rm", "bob", "shared-pkg")
	mustContain(t, r.Stdout, "- bob (shared-pkg)")
	r = alice.MustRun("", "owner", "ls", "shared-pkg")
	mustContain(t, r.Stdout, "alice <alice@example.com>")
	mustNotContain(t, r.Stdout, "bob")

	mustFail(t, bob.Run(writePkg(t, pkg{Name: "shared-pkg", Version: "1.2.0"}), "publish"),
		"E403", "403 Forbidden - PUT "+s.URL+"shared-pkg - you (bob) are not a maintainer of shared-pkg")
	if d := getDoc(t, s, "shared-pkg"); len(d.Versions) != 2 {
		t.Fatalf("versions after refused publish: %v", keys(d.Versions))
	}
	// bob can no longer manage it either.
	mustFail(t, bob.Run("", "owner", "add", "bob", "shared-pkg"), "you (bob) are not a maintainer of shared-pkg")
	// Adding a user who does not exist is refused.
	mustFail(t, alice.Run("", "owner", "add", "nobody-here", "shared-pkg"), "nobody-here")
	// The last maintainer cannot be removed (npm checks this itself; the
	// server refuses an empty list too).
	mustFail(t, alice.Run("", "owner", "rm", "alice", "shared-pkg"), "EOWNERRM", "Cannot remove all owners of a package")
	rev := writeDoc(t, s, "shared-pkg", alice.Token())["_rev"].(string)
	if h := do(t, "PUT", s.URL+"shared-pkg/-rev/"+rev, alice.Token(), map[string]any{"_id": "shared-pkg", "maintainers": []any{}}); h.Status != 400 || !strings.Contains(string(h.Body), "a package must keep at least one maintainer") {
		t.Fatalf("PUT with no maintainers: %d %s", h.Status, h.Body)
	}
}

// TestAccess: a scoped package made private disappears for strangers and
// stays for its maintainer; made public again it is back.
func TestAccess(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "@alice/widget", Version: "1.0.0", Description: "Secret widget plans"}, "--access", "public")

	mustContain(t, alice.MustRun("", "access", "get", "status", "@alice/widget").Stdout, "@alice/widget: public")
	stranger := anon(t, s)
	mustContain(t, stranger.MustRun("", "view", "@alice/widget", "name").Stdout, "@alice/widget")

	alice.MustRun("", "access", "set", "status=private", "@alice/widget")
	mustContain(t, alice.MustRun("", "access", "get", "status", "@alice/widget").Stdout, "@alice/widget: private")

	// A stranger gets 404 everywhere.
	mustFail(t, stranger.Run("", "view", "@alice/widget"),
		"E404", "404 Not Found - GET "+s.URL+"@alice%2fwidget - package @alice/widget was not found or you do not have permission to read it")
	if h := packument(t, s, "@alice/widget", ""); h.Status != 404 {
		t.Fatalf("anonymous packument GET of a private package: %d", h.Status)
	}
	if h := do(t, "GET", s.URL+"@alice/widget/-/widget-1.0.0.tgz", "", nil); h.Status != 404 {
		t.Fatalf("anonymous tarball GET of a private package: %d", h.Status)
	}
	mustFail(t, stranger.Run(project(t), "install", "@alice/widget"), "E404")
	// Another logged-in user is a stranger too.
	bob := signup(t, s, "bob", bobPW)
	mustFail(t, bob.Run("", "view", "@alice/widget"), "E404", "you do not have permission to read it")

	// The maintainer still sees and installs it.
	mustContain(t, alice.MustRun("", "view", "@alice/widget", "description").Stdout, "Secret widget plans")
	app := project(t)
	alice.MustRun(app, "install", "@alice/widget")
	mustContain(t, node(t, app, `console.log(require('@alice/widget').hello())`), "hello from @alice/widget@1.0.0")

	// Restricted packages do not leak through search either; their
	// maintainer still finds them.
	for who, n := range map[string]*testserver.NPM{"anonymous": stranger, "bob": bob} {
		if r := n.MustRun("", "search", "--json", "widget"); strings.Contains(r.Stdout, "@alice/widget") || strings.Contains(r.Stdout, "Secret widget plans") {
			t.Fatalf("npm search as %s lists the private package:\n%s", who, r.Stdout)
		}
	}
	mustContain(t, alice.MustRun("", "search", "--json", "widget").Stdout, "@alice/widget")

	alice.MustRun("", "access", "set", "status=public", "@alice/widget")
	mustContain(t, alice.MustRun("", "access", "get", "status", "@alice/widget").Stdout, "@alice/widget: public")
	mustContain(t, stranger.MustRun("", "view", "@alice/widget", "description").Stdout, "Secret widget plans")
	app2 := project(t)
	stranger.MustRun(app2, "install", "@alice/widget")
	if got := installedVersion(t, app2, "@alice/widget"); got != "1.0.0" {
		t.Fatalf("installed %s", got)
	}

	// Only scoped packages can be private, and only maintainers may change it.
	publish(t, alice, pkg{Name: "plain", Version: "1.0.0"})
	mustFail(t, alice.Run("", "access", "set", "status=private", "plain"), "This command is only available for scoped packages")
	mustFail(t, bob.Run("", "access", "set", "status=private", "@alice/widget"), "403 Forbidden", "you (bob) are not a maintainer of @alice/widget")
}

// TestAudit: npm audit in a project with registry packages finds nothing.
func TestAudit(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "tiny-base", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "greeter", Version: "1.0.0", Deps: map[string]string{"tiny-base": "^1.0.0"}})
	app := project(t)
	user := anon(t, s)
	r := user.MustRun(app, "install", "greeter")
	mustContain(t, r.Output(), "found 0 vulnerabilities")
	r = user.Run(app, "audit")
	if r.Err != nil {
		t.Fatalf("npm audit failed: %v\n%s", r.Err, r.Output())
	}
	mustContain(t, r.Stdout, "found 0 vulnerabilities")
	r = user.MustRun(app, "audit", "--json")
	mustContain(t, r.Stdout, `"total": 0`)
}
