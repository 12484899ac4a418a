package e2e

import (
	"regexp"
	"strings"
	"testing"
)

// TestUnpublishWithinWindow: versions and whole packages go away; version
// numbers and the name stay held; an admin can release the name.
func TestUnpublishWithinWindow(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	s.CreateUser(t, "bob", "bob@example.com", bobPW) // before any publish
	alice := signup(t, s, "alice", alicePW)
	bob := login(t, s, "bob", bobPW)
	v100 := publish(t, alice, pkg{Name: "oops-pkg", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "oops-pkg", Version: "1.1.0"})
	user := anon(t, s)

	// One version.
	r := alice.MustRun("", "unpublish", "oops-pkg@1.0.0")
	mustContain(t, r.Stdout, "- oops-pkg@1.0.0")
	if v := viewVersions(t, user, "oops-pkg"); strings.Join(v, ",") != "1.1.0" {
		t.Fatalf("npm view versions after unpublishing 1.0.0 = %v, want [1.1.0]", v)
	}
	if h := do(t, "GET", s.URL+"oops-pkg/-/oops-pkg-1.0.0.tgz", "", nil); h.Status != 404 {
		t.Fatalf("tarball of the unpublished version: %d", h.Status)
	}
	mustFail(t, user.Run(project(t), "install", "oops-pkg@1.0.0"), "ETARGET", "No matching version found for oops-pkg@1.0.0")

	// Its number can never be used again. (--tag: 1.1.0 is higher, so npm
	// would otherwise refuse to move latest before asking the server.)
	mustFail(t, alice.Run(v100, "publish", "--tag", "legacy"),
		"409 Conflict - PUT "+s.URL+"oops-pkg - cannot publish over previously published version \"1.0.0\" of oops-pkg: versions are immutable, even after unpublish")

	// The whole package.
	mustFail(t, alice.Run("", "unpublish", "oops-pkg"), "Refusing to delete entire project")
	r = alice.MustRun("", "unpublish", "oops-pkg", "--force")
	mustContain(t, r.Stdout, "- oops-pkg")
	r = user.Run("", "view", "oops-pkg")
	mustFail(t, r, "E404", "404 Not Found - GET "+s.URL+"oops-pkg - package oops-pkg was unpublished on ")
	day := regexp.MustCompile(`was unpublished on (\d{4}-\d\d-\d\d)T`).FindStringSubmatch(r.Output())
	if day == nil {
		t.Fatalf("no unpublish date in:\n%s", r.Output())
	}
	today := day[1]
	mustFail(t, user.Run(project(t), "install", "oops-pkg"), "E404", "was unpublished on")

	// The name is held: nobody else can take it...
	mustFail(t, bob.Run(writePkg(t, pkg{Name: "oops-pkg", Version: "5.0.0"}), "publish"),
		"403 Forbidden - PUT "+s.URL+"oops-pkg - the name oops-pkg was unpublished on "+today+" and is held so that nobody else can take it; choose another name, or ask the registry's administrators to release it")
	// ...but the former maintainer can bring it back with a new version.
	publish(t, alice, pkg{Name: "oops-pkg", Version: "2.0.0"})
	if v := viewVersions(t, user, "oops-pkg"); strings.Join(v, ",") != "2.0.0" {
		t.Fatalf("versions after bringing it back = %v, want [2.0.0]", v)
	}
	mustFail(t, alice.Run(writePkg(t, pkg{Name: "oops-pkg", Version: "1.1.0"}), "publish", "--tag", "legacy"), "409 Conflict", "versions are immutable, even after unpublish")

	// Unpublish again; an administrator releases the name.
	alice.MustRun("", "unpublish", "oops-pkg", "--force")
	out, err := s.Admin(t, "", "name", "release", "oops-pkg")
	if err != nil {
		t.Fatalf("admin name release: %v\n%s", err, out)
	}
	mustContain(t, out, "released the name oops-pkg")

	// Now bob may take it, but not with any version number used before.
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		mustFail(t, bob.Run(writePkg(t, pkg{Name: "oops-pkg", Version: v}), "publish"),
			"409 Conflict", "cannot publish over previously published version \""+v+"\" of oops-pkg: versions are immutable, even after unpublish")
	}
	publish(t, bob, pkg{Name: "oops-pkg", Version: "3.0.0", Description: "bob's new package"})
	r = user.MustRun("", "view", "oops-pkg")
	mustContain(t, r.Stdout, "oops-pkg@3.0.0", "versions: 1", "bob's new package", "maintainers:\n- bob <bob@example.com>")
	mustNotContain(t, r.Stdout, "alice")
	// alice, no longer a maintainer, cannot publish to it.
	mustFail(t, alice.Run(writePkg(t, pkg{Name: "oops-pkg", Version: "4.0.0"}), "publish"), "403 Forbidden", "you (alice) are not a maintainer of oops-pkg")
	app := project(t)
	user.MustRun(app, "install", "oops-pkg")
	if got := installedVersion(t, app, "oops-pkg"); got != "3.0.0" {
		t.Fatalf("installed %s", got)
	}

	// A scoped package: npm sends the tarball DELETE with a literal slash.
	publish(t, alice, pkg{Name: "@alice/oops", Version: "1.0.0"}, "--access", "public")
	publish(t, alice, pkg{Name: "@alice/oops", Version: "1.1.0"})
	mustContain(t, alice.MustRun("", "unpublish", "@alice/oops@1.1.0").Stdout, "- @alice/oops@1.1.0")
	d := getDoc(t, s, "@alice/oops")
	if len(d.Versions) != 1 || d.DistTags["latest"] != "1.0.0" {
		t.Fatalf("@alice/oops after unpublishing 1.1.0: versions %v, dist-tags %v (latest must move back to 1.0.0)", keys(d.Versions), d.DistTags)
	}
	app2 := project(t)
	user.MustRun(app2, "install", "@alice/oops")
	if got := installedVersion(t, app2, "@alice/oops"); got != "1.0.0" {
		t.Fatalf("installed @alice/oops@%s", got)
	}
}

// TestUnpublishPolicy: past the window (window_hours = 0), a package that
// others depend on, or that was downloaded, cannot be unpublished.
func TestUnpublishPolicy(t *testing.T) {
	t.Parallel()
	s := server(t, "[unpublish]\nwindow_hours = 0\nmax_weekly_downloads = 1")
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "base-lib", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "base-lib", Version: "1.0.1"})
	publish(t, alice, pkg{Name: "app-lib", Version: "1.0.0", Deps: map[string]string{"base-lib": "^1.0.0"}})
	publish(t, alice, pkg{Name: "popular", Version: "1.0.0"})

	// A dependency of another package.
	mustFail(t, alice.Run("", "unpublish", "base-lib@1.0.0"),
		"403 Forbidden",
		"cannot unpublish base-lib@1.0.0: it was published more than 0 hours ago and 1 other package(s) on this registry depend on it. Deprecate it instead: npm deprecate base-lib@1.0.0 \"<message>\"",
		"policies/unpublish")
	mustFail(t, alice.Run("", "unpublish", "base-lib", "--force"), "403 Forbidden", "depend on it", "Deprecate it instead")
	if d := getDoc(t, s, "base-lib"); len(d.Versions) != 2 {
		t.Fatalf("base-lib versions after refused unpublish: %v", keys(d.Versions))
	}

	// Downloaded once (max_weekly_downloads = 1).
	anon(t, s).MustRun(project(t), "install", "popular")
	mustFail(t, alice.Run("", "unpublish", "popular", "--force"),
		"403 Forbidden",
		"cannot unpublish popular@1.0.0: it was published more than 0 hours ago and it was downloaded 1 times in the last 7 days (the limit is 1). Deprecate it instead: npm deprecate popular@1.0.0")
	mustContain(t, anon(t, s).MustRun("", "view", "popular", "version").Stdout, "1.0.0")

	// Deprecation is the way out, and it works.
	alice.MustRun("", "deprecate", "popular@1.0.0", "do not use")
	mustContain(t, anon(t, s).MustRun(project(t), "install", "popular").Output(), "npm warn deprecated popular@1.0.0: do not use")

	// A package with no dependents and no downloads can still go; then its
	// former dependency is free too.
	mustContain(t, alice.MustRun("", "unpublish", "app-lib", "--force").Stdout, "- app-lib")
	mustContain(t, alice.MustRun("", "unpublish", "base-lib@1.0.0").Stdout, "- base-lib@1.0.0")
}
