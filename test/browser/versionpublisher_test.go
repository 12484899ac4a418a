package browser

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testpeers/oidc"
	"github.com/rampart/rampart/internal/testserver"
)

// TestBrowserVersionPagePublisher: alice publishes widget@1.0.0 with her
// npm login token, configures GitHub Actions as its trusted publisher
// with `npm trust github`, and the real npm CLI, in the environment
// GitHub Actions gives a job and with no token of its own, publishes
// widget@1.1.0 through the token exchange. In real Chromium the page of
// 1.1.0 says it was published by GitHub Actions (trusted publisher) from
// the repository, by the workflow at its ref, linked to GitHub; the page
// of 1.0.0 names alice, as before; the package page's version list says
// the same of each.
func TestBrowserVersionPagePublisher(t *testing.T) {
	t.Parallel()
	peer := oidc.Start(t)
	s := testserver.Start(t, testserver.Options{Config: fmt.Sprintf(`
[[trusted_publishing.issuers]]
name = "github"
url = %q
jwks_url = %q
kind = "github"
algs = ["RS256"]
`, oidc.GitHubIssuer, peer.JWKSURL())})
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	npm := testserver.NewNPM(t, s.URL)
	npm.Login("alice", alicePW, "")
	mustContain(t, npm.MustRun(writePkg(t, map[string]any{"name": "widget", "version": "1.0.0"}, "# widget\n"), "publish").Output(), "+ widget@1.0.0")
	r := npm.MustRun("", "trust", "github", "widget", "--file", "publish.yml", "--repo", "acme/widget", "--allow-publish", "-y")
	mustContain(t, r.Output(), "acme/widget")

	peer.OnActionsRequest(func(aud string) map[string]any {
		return oidc.GitHubClaims(oidc.Run{Audience: aud, Repository: "acme/widget", Workflow: "publish.yml", Now: s.Now(t)})
	})
	ci := testserver.NewNPM(t, s.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := ci.Command(ctx, writePkg(t, map[string]any{"name": "widget", "version": "1.1.0"}, "# widget\n"), "publish")
	var env []string
	for _, e := range cmd.Env {
		switch k, _, _ := strings.Cut(e, "="); k {
		case "CI", "GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "NPM_ID_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "SIGSTORE_ID_TOKEN":
			continue
		}
		env = append(env, e)
	}
	cmd.Env = append(env, "CI=true", "GITHUB_ACTIONS=true", "ACTIONS_ID_TOKEN_REQUEST_URL="+peer.ActionsRequestURL(), "ACTIONS_ID_TOKEN_REQUEST_TOKEN="+peer.RequestToken)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), "+ widget@1.1.0") {
		t.Fatalf("CI publish: %v\n%s", err, out.String())
	}

	// Its SBOM names the workflow as the supplier, not alice.
	resp, err := http.Get(s.URL + "-/sbom/widget/1.1.0")
	if err != nil {
		t.Fatal(err)
	}
	bom, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(bom), `"name": "trusted publisher github: acme/widget .github/workflows/publish.yml@refs/heads/main"`) {
		t.Errorf("the SBOM's supplier:\n%s", bom)
	}

	base := strings.TrimSuffix(s.URL, "/")
	b := newBrowser(t, 2*time.Minute)
	b.run("open the trusted publish's page",
		chromedp.Navigate(base+"/package/widget/v/1.1.0"),
		chromedp.WaitVisible(chromedp.CSS(`#publisher-workflow`)),
	)
	mustContain(t, b.text(`p.meta`), "by GitHub Actions (trusted publisher) from acme/widget workflow .github/workflows/publish.yml@refs/heads/main")
	if strings.Contains(b.text(`p.meta`), "alice") {
		t.Errorf("the trusted publish names the account that configured it: %q", b.text(`p.meta`))
	}
	if href := b.eval(`document.querySelector('#publisher-repo').getAttribute('href')`); href != "https://github.com/acme/widget" {
		t.Errorf("repository link %q", href)
	}
	if href := b.eval(`document.querySelector('#publisher-workflow').closest('a').getAttribute('href')`); href != "https://github.com/acme/widget/blob/main/.github/workflows/publish.yml" {
		t.Errorf("workflow link %q", href)
	}

	// The package page's version list says the same of each version.
	b.run("open the package page",
		chromedp.Navigate(base+"/package/widget"),
		chromedp.WaitVisible(chromedp.CSS(`ul.versions .trusted-publisher`)),
	)
	rows := evalAs[map[string]string](b, `Object.fromEntries([...document.querySelectorAll('ul.versions li')].map(li => [li.querySelector('.version').textContent, li.innerText]))`)
	if !strings.Contains(rows["1.1.0"], "by GitHub Actions (trusted publisher)") || strings.Contains(rows["1.1.0"], "alice") || !strings.Contains(rows["1.0.0"], "by alice") {
		t.Errorf("the package page's versions: %q", rows)
	}

	b.run("open the token publish's page",
		chromedp.Navigate(base+"/package/widget/v/1.0.0"),
		chromedp.WaitVisible(chromedp.CSS(`a#publisher`)),
	)
	mustContain(t, b.text(`p.meta`), "by alice")
	if got := b.eval(`document.querySelector('a#publisher').getAttribute('href')`); got != "/~alice" {
		t.Errorf("publisher link %q", got)
	}
	if n := evalAs[int](b, `document.querySelectorAll('.trusted-publisher, #publisher-how').length`); n != 0 {
		t.Errorf("a token publish shows %d trusted-publisher or unknown notes: %q", n, b.text(`p.meta`))
	}
}

// TestBrowserVersionPageDependents: dp-lib has a public dependent and a
// restricted one (alice's @alice/dp-secret). In real Chromium an
// anonymous visitor's dependents list and count hold the public one
// only, and the page names the restricted one nowhere; alice, signed in,
// sees both and a count of two.
func TestBrowserVersionPageDependents(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{})
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	npm := testserver.NewNPM(t, s.URL)
	npm.Login("alice", alicePW, "")
	for _, m := range []map[string]any{
		{"name": "dp-lib", "version": "1.0.0"},
		{"name": "dp-app", "version": "1.0.0", "dependencies": map[string]string{"dp-lib": "^1.0.0"}},
	} {
		mustContain(t, npm.MustRun(writePkg(t, m, "# x\n"), "publish").Output(), "+ "+m["name"].(string))
	}
	secret := writePkg(t, map[string]any{"name": "@alice/dp-secret", "version": "1.0.0", "dependencies": map[string]string{"dp-lib": "^1.0.0"}}, "# secret\n")
	mustContain(t, npm.MustRun(secret, "publish", "--access", "restricted").Output(), "+ @alice/dp-secret@1.0.0")

	base := strings.TrimSuffix(s.URL, "/")
	b := newBrowser(t, 2*time.Minute)
	b.run("open dp-lib@1.0.0 signed out",
		chromedp.Navigate(base+"/package/dp-lib/v/1.0.0"),
		chromedp.WaitVisible(chromedp.CSS(`#dependents-total`)),
	)
	listed := func() []string {
		return evalAs[[]string](b, `[...document.querySelectorAll('ul.dependent-list li a')].map(a => a.textContent)`)
	}
	if got, total := listed(), b.text(`#dependents-total`); len(got) != 1 || got[0] != "dp-app" || total != "(1)" {
		t.Errorf("anonymous dependents %q, count %q; want dp-app only, (1)", got, total)
	}
	if html := b.eval(`document.documentElement.outerHTML`); strings.Contains(html, "dp-secret") {
		t.Error("the anonymous page names the restricted dependent")
	}

	b.run("sign in and open it again", chromedp.Navigate(base+"/login?next=/package/dp-lib/v/1.0.0"))
	b.enterPassword("alice", alicePW, `#dependents-total`)
	if got, total := listed(), b.text(`#dependents-total`); strings.Join(got, " ") != "@alice/dp-secret dp-app" || total != "(2)" {
		t.Errorf("alice's dependents %q, count %q; want @alice/dp-secret and dp-app, (2)", got, total)
	}
}
