package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// TestPrivateRegistry: with [access] read = "authenticated" nothing of a
// package reaches an anonymous caller (packument, tarball, search, web
// pages, even after a signed-in read warmed the caches and fast paths),
// npm install without a login fails with npm's own "npm login" hint, and
// after `npm login` the same install works. Signing in stays public.
func TestPrivateRegistry(t *testing.T) {
	t.Parallel()
	s := server(t, "[access]\nread = \"authenticated\"\n")
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	s.CreateUser(t, "bob", "bob@example.com", bobPW)
	alice := login(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "priv-lib", Version: "1.0.0"})

	// Signed in: every read works, and warms the caches.
	tok := alice.Token()
	if r := packument(t, s, "priv-lib", tok); r.Status != http.StatusOK {
		t.Fatalf("alice's packument: %d %s", r.Status, r.Body)
	}
	tarball := s.URL + "priv-lib/-/priv-lib-1.0.0.tgz"
	// No shared cache may keep what a private registry serves.
	for _, u := range []string{s.URL + "priv-lib", tarball} {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if cc := resp.Header.Get("Cache-Control"); resp.StatusCode != http.StatusOK || strings.Contains(cc, "public") || !strings.Contains(cc, "private") {
			t.Errorf("GET %s: %d, Cache-Control %q; want private", u, resp.StatusCode, cc)
		}
	}
	for range 2 {
		if r := do(t, "GET", tarball, tok, nil); r.Status != http.StatusOK {
			t.Fatalf("alice's tarball: %d %s", r.Status, r.Body)
		}
	}

	// Anonymous: refused everywhere, with npm's login challenge.
	for _, u := range []string{"priv-lib", "priv-lib/1.0.0", "priv-lib/-/priv-lib-1.0.0.tgz", "-/v1/search?text=priv", "-/package/priv-lib/dist-tags", "-/npm/v1/keys"} {
		for _, method := range []string{"GET", "HEAD"} {
			req, _ := http.NewRequest(method, s.URL+u, nil)
			req.Header.Set("Accept", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("anonymous %s /%s: %d, WWW-Authenticate %q; want 401 Bearer", method, u, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		}
	}
	if r := packument(t, s, "priv-lib", ""); !strings.Contains(string(r.Body), "this registry is private: log in first") {
		t.Errorf("anonymous packument body: %s", r.Body)
	}
	// An audit posts its question: refused too.
	if r := do(t, "POST", s.URL+"-/npm/v1/security/advisories/bulk", "", map[string]any{"priv-lib": []string{"1.0.0"}}); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous audit: %d %s", r.Status, r.Body)
	}
	// A browser is sent to sign in, and back.
	for _, page := range []string{"", "package/priv-lib", "search?q=priv", "~alice"} {
		status, body := browser(t, "GET", s.URL+page, nil)
		if status != http.StatusSeeOther || strings.Contains(body, "priv-lib</") {
			t.Errorf("anonymous browser /%s: %d\n%s", page, status, body)
		}
	}
	// What signing in needs stays public.
	for _, page := range []string{"login", "signup", "-/static/style.css"} {
		if status, body := browser(t, "GET", s.URL+page, nil); status != http.StatusOK {
			t.Errorf("public /%s: %d\n%s", page, status, body)
		}
	}
	if r := do(t, "GET", s.URL+"-/ping", "", nil); r.Status != http.StatusOK {
		t.Errorf("ping: %d", r.Status)
	}
	// A token that does not hold is told so.
	if r := packument(t, s, "priv-lib", "rp_notatoken"); r.Status != http.StatusUnauthorized {
		t.Errorf("bad token: %d %s", r.Status, r.Body)
	}

	// npm install without a login: npm's login hint.
	dir := project(t)
	mustFail(t, anon(t, s).Run(dir, "install", "priv-lib"), "E401", "npm login")
	// npm login, then the same install works.
	bob := login(t, s, "bob", bobPW)
	bob.MustRun(dir, "install", "priv-lib")
	if v := installedVersion(t, dir, "priv-lib"); v != "1.0.0" {
		t.Fatalf("installed %s", v)
	}
	// A signed-in browser reads the pages.
	mustContain(t, bob.MustRun("", "view", "priv-lib", "version").Stdout, "1.0.0")
}

// TestPrivateOrgPackages: with [access] org_packages = "members", an
// organisation's packages are read only by its members: a non-member's
// npm install fails as if the package did not exist, until the owner adds
// them; other packages stay public. With read = "org:<name>", only the
// organisation's members read anything.
func TestPrivateOrgPackages(t *testing.T) {
	t.Parallel()
	s := server(t, "[access]\norg_packages = \"members\"\n")
	for _, u := range []struct{ name, pw string }{{"alice", alicePW}, {"bob", bobPW}} {
		s.CreateUser(t, u.name, u.name+"@example.com", u.pw)
	}
	if out, err := s.Admin(t, "", "org", "create", "acme", "--owner", "alice"); err != nil {
		t.Fatalf("org create: %v\n%s", err, out)
	}
	alice, bob := login(t, s, "alice", alicePW), login(t, s, "bob", bobPW)
	publish(t, alice, pkg{Name: "@acme/secret", Version: "1.0.0"}, "--access", "public")
	publish(t, alice, pkg{Name: "open-lib", Version: "1.0.0"})
	// The member reads (and warms the caches).
	if r := packument(t, s, "@acme/secret", alice.Token()); r.Status != http.StatusOK {
		t.Fatalf("member's packument: %d %s", r.Status, r.Body)
	}
	if r := do(t, "GET", s.URL+"@acme/secret/-/secret-1.0.0.tgz", alice.Token(), nil); r.Status != http.StatusOK {
		t.Fatalf("member's tarball: %d %s", r.Status, r.Body)
	}
	// A non-member and an anonymous caller: not found, caches or not.
	for _, who := range []string{bob.Token(), ""} {
		if r := packument(t, s, "@acme/secret", who); r.Status != http.StatusNotFound {
			t.Errorf("non-member packument: %d %s", r.Status, r.Body)
		}
		if r := do(t, "GET", s.URL+"@acme/secret/-/secret-1.0.0.tgz", who, nil); r.Status != http.StatusNotFound {
			t.Errorf("non-member tarball: %d %s", r.Status, r.Body)
		}
		if r := do(t, "GET", s.URL+"-/v1/search?text=secret", who, nil); strings.Contains(string(r.Body), "@acme/secret") {
			t.Errorf("non-member search shows the package: %s", r.Body)
		}
	}
	dir := project(t)
	mustFail(t, bob.Run(dir, "install", "@acme/secret"), "E404")
	bob.MustRun(dir, "install", "open-lib")
	alice.MustRun("", "org", "set", "acme", "bob")
	bob.MustRun(dir, "install", "@acme/secret")
	if v := installedVersion(t, dir, "@acme/secret"); v != "1.0.0" {
		t.Fatalf("installed %s", v)
	}

	// read = "org:acme": members only, for everything.
	s2 := server(t, "[access]\nread = \"org:acme\"\n")
	for _, u := range []struct{ name, pw string }{{"alice", alicePW}, {"bob", bobPW}} {
		s2.CreateUser(t, u.name, u.name+"@example.com", u.pw)
	}
	if out, err := s2.Admin(t, "", "org", "create", "acme", "--owner", "alice"); err != nil {
		t.Fatalf("org create: %v\n%s", err, out)
	}
	alice2, bob2 := login(t, s2, "alice", alicePW), login(t, s2, "bob", bobPW)
	publish(t, alice2, pkg{Name: "team-lib", Version: "1.0.0"})
	mustFail(t, bob2.Run(project(t), "install", "team-lib"), "E403", "readable only by members of the organisation acme")
	alice2.MustRun("", "org", "set", "acme", "bob")
	bob2.MustRun(project(t), "install", "team-lib")
}
