package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// TestServedUnderPathPrefix (issue 13 friction): with public_url =
// http://host/npm/, as behind a reverse proxy, npm signs up, publishes
// and installs; mailed links work; every link, form and redirect of the
// web UI stays under /npm/, whether the proxy passes the prefix on or
// strips it.
func TestServedUnderPathPrefix(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{SMTP: true, PathPrefix: "/npm"})
	if !strings.HasSuffix(s.URL, "/npm/") {
		t.Fatalf("public URL %s, want it under /npm/", s.URL)
	}
	alice := signup(t, s, "alice", alicePW) // npm adduser, then the mailed link
	publish(t, alice, pkg{Name: "tiny-base", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "greeter", Version: "1.0.0", Deps: map[string]string{"tiny-base": "^1.0.0"}})
	if got := getDoc(t, s, "greeter").Versions["1.0.0"].Dist.Tarball; got != s.URL+"greeter/-/greeter-1.0.0.tgz" {
		t.Fatalf("tarball URL %s, want it under the prefix", got)
	}
	app := project(t)
	r := anon(t, s).MustRun(app, "install", "greeter")
	mustContain(t, r.Output(), "added 2 packages")

	root := "http://" + s.Addr
	absolute := regexp.MustCompile(`\s(?:href|src|action)="(/[^"]*)"`)
	for _, page := range []string{s.URL + "package/greeter", root + "/package/greeter", s.URL + "login"} {
		status, body := browser(t, http.MethodGet, page, nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", page, status, body)
		}
		mustContain(t, body, `data-base="/npm"`, `href="/npm/-/static/style.css"`)
		for _, m := range absolute.FindAllStringSubmatch(body, -1) {
			if !strings.HasPrefix(m[1], "/npm/") && !strings.HasPrefix(m[1], "//") {
				t.Errorf("GET %s: link %q leaves the prefix", page, m[1])
			}
		}
	}
	if css := do(t, "GET", s.URL+"-/static/style.css", "", nil); css.Status != http.StatusOK {
		t.Fatalf("the stylesheet under the prefix: %d", css.Status)
	}

	// Redirects stay under the prefix too.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for target, want := range map[string]string{
		s.URL + "account": "/npm/login?next=",
		root + "/npm":     "/npm/",
		root + "/npm?q=x": "/npm/?q=x",
	} {
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, want) {
			t.Errorf("GET %s: %d Location %q, want it to start with %q", target, resp.StatusCode, loc, want)
		}
	}
}
