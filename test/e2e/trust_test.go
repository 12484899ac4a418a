package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/rampart/rampart/internal/testpeers/oidc"
	"github.com/rampart/rampart/internal/testserver"
)

// trustServer is a registry that trusts the loopback issuer three times:
// under GitHub's and GitLab's real issuer strings (the JWKS URL
// overridden, RS256 only), and under its own URL as a generic,
// Forgejo-like issuer found by discovery that also takes ES256.
func trustServer(t *testing.T, extra string) (*testserver.Server, *oidc.Server) {
	t.Helper()
	peer := oidc.Start(t)
	cfg := fmt.Sprintf(`
[trusted_publishing]
pending_expiry = "168h"

[[trusted_publishing.issuers]]
name = "github"
url = %q
jwks_url = %q
kind = "github"
algs = ["RS256"]

[[trusted_publishing.issuers]]
name = "gitlab"
url = %q
jwks_url = %q
kind = "gitlab"
algs = ["RS256"]

[[trusted_publishing.issuers]]
name = "circleci"
url = "https://oidc.circleci.com/org/*"
jwks_url = %q
kind = "circleci"
algs = ["RS256"]

[[trusted_publishing.issuers]]
name = "forgejo"
url = %q
kind = "generic"
algs = ["RS256", "ES256"]
`, oidc.GitHubIssuer, peer.JWKSURL(), oidc.GitLabIssuer, peer.JWKSURL(), peer.JWKSURL(), peer.URL) + extra
	return server(t, cfg), peer
}

// audienceOf is what npm asks the CI for: npm:<registry hostname>.
func audienceOf(t *testing.T, s *testserver.Server) string {
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return "npm:" + u.Hostname()
}

// ciRun runs npm args with the CI environment env added (and nothing
// else of the test's CI, if it runs in one).
func ciRun(t *testing.T, n *testserver.NPM, dir string, env []string, args ...string) testserver.Result {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := n.Command(ctx, dir, args...)
	var clean []string
	for _, e := range cmd.Env {
		k, _, _ := strings.Cut(e, "=")
		switch k {
		case "CI", "GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "NPM_ID_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "SIGSTORE_ID_TOKEN":
			continue
		}
		clean = append(clean, e)
	}
	cmd.Env = append(clean, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return testserver.Result{Stdout: out.String(), Stderr: errb.String(), Err: err}
}

// githubEnv is what GitHub Actions gives a job with id-token: write.
func githubEnv(peer *oidc.Server) []string {
	return []string{"CI=true", "GITHUB_ACTIONS=true", "ACTIONS_ID_TOKEN_REQUEST_URL=" + peer.ActionsRequestURL(), "ACTIONS_ID_TOKEN_REQUEST_TOKEN=" + peer.RequestToken}
}

// gitlabEnv is what GitLab CI gives a job with an NPM_ID_TOKEN id_token.
func gitlabEnv(idToken string) []string {
	return []string{"CI=true", "GITLAB_CI=true", "NPM_ID_TOKEN=" + idToken}
}

// exchange calls the token exchange directly, as npm does.
func exchange(t *testing.T, s *testserver.Server, name, idToken string) httpResult {
	t.Helper()
	return do(t, "POST", s.URL+"-/npm/v1/oidc/token/exchange/package/"+strings.Replace(name, "/", "%2f", 1), idToken, nil)
}

// wantRefused checks an exchange's refusal: the status, and a message
// (what npm logs at verbose) and error saying why.
func wantRefused(t *testing.T, r httpResult, status int, why string) {
	t.Helper()
	m := r.JSON(t)
	if r.Status != status || !strings.Contains(fmt.Sprint(m["message"]), why) || m["error"] != m["message"] {
		t.Fatalf("exchange: %d %s, want %d with a message about %q", r.Status, r.Body, status, why)
	}
	if m["token"] != nil {
		t.Fatalf("a refused exchange returned a token: %s", r.Body)
	}
}

// TestTrustedPublishingGitHub: an owner configures a GitHub Actions
// workflow with `npm trust github`; the real npm CLI, with no token
// configured, in the environment GitHub Actions gives a job, publishes
// through the exchange. Every wrong token is refused, the exchanged token
// does nothing else and dies after 15 minutes, the trusted-only policy
// refuses a classic publish, and revoking the configuration ends it.
func TestTrustedPublishingGitHub(t *testing.T) {
	t.Parallel()
	s, peer := trustServer(t, "")
	audience := audienceOf(t, s)
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "widget", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "gadget", Version: "1.0.0"})

	// npm trust github, as an owner.
	r := alice.MustRun("", "trust", "github", "widget", "--file", "publish.yml", "--repo", "acme/widget", "--allow-publish", "-y")
	mustContain(t, r.Output(), "Trust configuration created successfully for widget", "acme/widget", "publish.yml")
	mail := s.Mail.WaitForSubject(t, "alice@example.com", "Trusted publishing changed for widget", 30*time.Second)
	mustContain(t, mail.Text, "added trusted publisher", "repository=acme/widget", "workflow_ref.file=publish.yml")
	r = alice.MustRun("", "trust", "list", "widget")
	mustContain(t, r.Output(), "type: github", "repository: acme/widget", "file: publish.yml")
	var list []map[string]any
	lr := do(t, "GET", s.URL+"-/package/widget/trust", alice.Token(), nil)
	if err := json.Unmarshal(lr.Body, &list); err != nil || len(list) != 1 {
		t.Fatalf("trust list: %d %s", lr.Status, lr.Body)
	}
	configID := fmt.Sprint(list[0]["id"])

	// Another user may neither see nor change widget's trusted publishers.
	bob := signup(t, s, "bob", bobPW)
	mustFail(t, bob.Run("", "trust", "github", "widget", "--file", "evil.yml", "--repo", "bob/evil", "--allow-publish", "-y"), "not a maintainer of widget")
	if r := do(t, "GET", s.URL+"-/package/widget/trust", bob.Token(), nil); r.Status != 403 {
		t.Fatalf("bob lists widget's trust: %d %s", r.Status, r.Body)
	}

	// The CI: no token, GitHub's environment, the ID token from the peer.
	run := func(edit func(*oidc.Run)) func(string) map[string]any {
		return func(aud string) map[string]any {
			r := oidc.Run{Audience: aud, Repository: "acme/widget", Workflow: "publish.yml", Now: s.Now(t)}
			if edit != nil {
				edit(&r)
			}
			return oidc.GitHubClaims(r)
		}
	}
	peer.OnActionsRequest(run(nil))
	ci := anon(t, s)
	dir := writePkg(t, pkg{Name: "widget", Version: "1.1.0"})
	r = ciRun(t, ci, dir, githubEnv(peer), "publish")
	if r.Err != nil {
		t.Fatalf("CI publish: %v\n%s", r.Err, r.Output())
	}
	mustContain(t, r.Output(), "+ widget@1.1.0")
	if got := peer.ActionsAudiences(); len(got) != 1 || got[0] != audience {
		t.Fatalf("npm asked GitHub for audiences %q, want [%q]", got, audience)
	}
	mail = s.Mail.WaitForSubject(t, "alice@example.com", "widget@1.1.0", 30*time.Second)
	mustContain(t, mail.Text, "trusted publisher github repo:acme/widget:ref:refs/heads/main")
	if v := viewVersions(t, anon(t, s), "widget"); !strings.Contains(strings.Join(v, " "), "1.1.0") {
		t.Fatalf("versions after the CI publish: %q", v)
	}

	// A workflow of another repository: npm's exchange fails (it only logs
	// why, at verbose level), so the publish fails for lack of auth.
	peer.OnActionsRequest(run(func(r *oidc.Run) { r.Repository = "mallory/widget" }))
	r = ciRun(t, ci, writePkg(t, pkg{Name: "widget", Version: "1.2.0"}), githubEnv(peer), "publish", "--loglevel=verbose")
	mustFail(t, r, "ENEEDAUTH", "no trusted publisher of widget matches this workflow: its repository is \"mallory/widget\"")

	// The exchange's refusals, asked directly.
	mint := func(tok oidc.Token) string { return peer.Mint(tok) }
	claims := func(edit func(*oidc.Run)) map[string]any { return run(edit)(audience) }
	for _, c := range []struct {
		name   string
		token  string
		status int
		why    string
	}{
		{"wrong repository", mint(oidc.Token{Claims: claims(func(r *oidc.Run) { r.Repository = "acme/other" })}), 403, "its repository is \"acme/other\""},
		{"wrong workflow", mint(oidc.Token{Claims: claims(func(r *oidc.Run) { r.Workflow = "release.yml" })}), 403, "its workflow_ref is \"acme/widget/.github/workflows/release.yml@refs/heads/main\""},
		{"wrong audience", mint(oidc.Token{Claims: claims(func(r *oidc.Run) { r.Audience = "npm:registry.npmjs.org" })}), 401, "audience"},
		{"untrusted issuer", mint(oidc.Token{Claims: claims(func(r *oidc.Run) { r.Issuer = "https://token.actions.evil.example" })}), 401, "not one this registry trusts"},
		{"expired", mint(oidc.Token{Claims: claims(func(r *oidc.Run) { r.Now = s.Now(t).Add(-20 * time.Minute) })}), 401, "expired"},
		{"bad signature", mint(oidc.Token{Claims: claims(nil), Tamper: true}), 401, "signature does not verify"},
		{"unknown key id", mint(oidc.Token{Claims: claims(nil), Unpublished: true}), 401, "signature does not verify"},
		{"alg none", mint(oidc.Token{Claims: claims(nil), Alg: "none"}), 401, "not a JWT signed with an algorithm the issuer github is configured for"},
		{"ES256 where GitHub signs RS256", mint(oidc.Token{Claims: claims(nil), Alg: jose.ES256}), 401, "algorithm"},
		{"no token", "", 401, "ID token"},
	} {
		t.Run(c.name, func(t *testing.T) { wantRefused(t, exchange(t, s, "widget", c.token), c.status, c.why) })
	}

	// A replayed ID token: the first exchange holds, the second is refused.
	once := mint(oidc.Token{Claims: claims(nil)})
	first := exchange(t, s, "widget", once)
	if first.Status != 201 {
		t.Fatalf("exchange: %d %s", first.Status, first.Body)
	}
	wantRefused(t, exchange(t, s, "widget", once), 401, "already exchanged")
	short := fmt.Sprint(first.JSON(t)["token"])
	if !strings.HasPrefix(short, "rmp_") {
		t.Fatalf("exchanged token %q lacks the registry's prefix", short)
	}

	// The exchanged token publishes widget and nothing else.
	if r := do(t, "PUT", s.URL+"-/package/widget/dist-tags/beta", short, "1.0.0"); r.Status != 403 || !strings.Contains(string(r.Body), "trusted publishing") {
		t.Fatalf("dist-tag with the exchanged token: %d %s", r.Status, r.Body)
	}
	if r := do(t, "POST", s.URL+"-/package/widget/trust", short, []map[string]any{{"type": "github", "claims": map[string]any{"repository": "x/y", "workflow_ref": map[string]any{"file": "a.yml"}}}}); r.Status != 403 {
		t.Fatalf("trust change with the exchanged token: %d %s", r.Status, r.Body)
	}
	if r := do(t, "POST", s.URL+"-/npm/v1/tokens", short, map[string]any{"password": alicePW}); r.Status != 403 {
		t.Fatalf("token creation with the exchanged token: %d %s", r.Status, r.Body)
	}
	withToken := anon(t, s)
	withToken.SetToken(short)
	mustFail(t, withToken.Run("", "owner", "add", "bob", "widget"), "trusted publishing")
	mustFail(t, withToken.Run(writePkg(t, pkg{Name: "gadget", Version: "1.1.0"}), "publish"), "may only publish widget")
	withToken.MustRun(writePkg(t, pkg{Name: "widget", Version: "1.3.0"}), "publish")

	// It dies after 15 minutes.
	s.Advance(t, 16*time.Minute)
	mustFail(t, withToken.Run(writePkg(t, pkg{Name: "widget", Version: "1.4.0"}), "publish"), "expired")

	// Trusted only: alice's own token may no longer publish widget; CI may.
	if r := do(t, "PUT", s.URL+"-/package/widget/trusted-only", alice.Token(), map[string]bool{"trustedOnly": true}); r.Status != 200 {
		t.Fatalf("trusted-only on: %d %s", r.Status, r.Body)
	}
	mail = s.Mail.WaitForSubject(t, "alice@example.com", "Trusted publishing changed for widget", 30*time.Second)
	mustContain(t, mail.Text, "only through trusted publishing turned on")
	mustFail(t, alice.Run(writePkg(t, pkg{Name: "widget", Version: "1.5.0"}), "publish"), "widget publishes only through trusted publishing")
	peer.OnActionsRequest(run(nil))
	r = ciRun(t, ci, writePkg(t, pkg{Name: "widget", Version: "1.5.0"}), githubEnv(peer), "publish")
	if r.Err != nil {
		t.Fatalf("CI publish under trusted-only: %v\n%s", r.Err, r.Output())
	}

	// Revoked: the workflow's next exchange is refused.
	alice.MustRun("", "trust", "revoke", "widget", "--id", configID)
	mail = s.Mail.WaitForSubject(t, "alice@example.com", "Trusted publishing changed for widget", 30*time.Second)
	mustContain(t, mail.Text, "removed trusted publisher #"+configID)
	wantRefused(t, exchange(t, s, "widget", mint(oidc.Token{Claims: claims(nil)})), 403, "widget has no trusted publisher for github")
}

// TestTrustedPublishingPendingGitLab: a verified user registers a
// pending trusted publisher for a name that does not exist; the name is
// reserved to them; the real npm CLI in GitLab CI's environment
// (NPM_ID_TOKEN) creates the package, owned by that user. An expired
// reservation holds nothing. A Forgejo-like generic issuer, found by
// discovery and signing ES256, publishes too.
func TestTrustedPublishingPendingGitLab(t *testing.T) {
	t.Parallel()
	s, peer := trustServer(t, "")
	audience := audienceOf(t, s)
	bob := signup(t, s, "bob", bobPW)
	body := []map[string]any{{"type": "gitlab", "claims": map[string]any{"project_path": "bob/fresh", "ci_config_ref_uri": map[string]any{"file": ".gitlab-ci.yml"}, "environment": "production"}, "permissions": []string{"createPackage"}}}
	r := do(t, "POST", s.URL+"-/package/fresh-pkg/trust", bob.Token(), body)
	if r.Status != 201 || !strings.Contains(string(r.Body), `"pending":true`) {
		t.Fatalf("pending publisher: %d %s", r.Status, r.Body)
	}
	mail := s.Mail.WaitForSubject(t, "bob@example.com", "Trusted publishing changed for fresh-pkg", 30*time.Second)
	mustContain(t, mail.Text, "pending trusted publisher", "reserving the name until")

	// The name is bob's while pending.
	carol := signup(t, s, "carol", "plum-sailboat-ferry-33")
	mustFail(t, carol.Run(writePkg(t, pkg{Name: "fresh-pkg", Version: "0.0.1"}), "publish"), "reserved for another user's trusted publisher")
	if r := do(t, "POST", s.URL+"-/package/fresh-pkg/trust", carol.Token(), body); r.Status != 403 {
		t.Fatalf("carol registers the reserved name: %d %s", r.Status, r.Body)
	}

	// GitLab CI without the environment the configuration names: refused.
	lab := func(edit func(*oidc.Run)) string {
		r := oidc.Run{Audience: audience, Repository: "bob/fresh", Workflow: ".gitlab-ci.yml", Environment: "production", Now: s.Now(t)}
		if edit != nil {
			edit(&r)
		}
		return peer.Mint(oidc.Token{Claims: oidc.GitLabClaims(r)})
	}
	wantRefused(t, exchange(t, s, "fresh-pkg", lab(func(r *oidc.Run) { r.Environment = "staging" })), 403, "its environment is \"staging\"")

	ci := anon(t, s)
	r2 := ciRun(t, ci, writePkg(t, pkg{Name: "fresh-pkg", Version: "1.0.0"}), gitlabEnv(lab(nil)), "publish")
	if r2.Err != nil {
		t.Fatalf("GitLab CI publish: %v\n%s", r2.Err, r2.Output())
	}
	mustContain(t, r2.Output(), "+ fresh-pkg@1.0.0")
	mustContain(t, anon(t, s).MustRun("", "owner", "ls", "fresh-pkg").Output(), "bob")
	// Now attached to the package: the next release comes from CI too.
	r2 = ciRun(t, ci, writePkg(t, pkg{Name: "fresh-pkg", Version: "1.0.1"}), gitlabEnv(lab(nil)), "publish")
	if r2.Err != nil {
		t.Fatalf("second GitLab CI publish: %v\n%s", r2.Err, r2.Output())
	}
	lr := do(t, "GET", s.URL+"-/package/fresh-pkg/trust", bob.Token(), nil)
	if lr.Status != 200 || strings.Contains(string(lr.Body), `"pending":true`) {
		t.Fatalf("after the first publish the publisher is attached: %d %s", lr.Status, lr.Body)
	}

	// A generic issuer (Forgejo Actions, say): its own URL, discovery,
	// ES256, GitHub-shaped claims.
	forgejo := []map[string]any{{"type": "forgejo", "claims": map[string]any{"repository": "bob/tool", "workflow_ref": map[string]any{"file": ".forgejo/workflows/release.yml"}}}}
	if r := do(t, "POST", s.URL+"-/package/bob-tool/trust", bob.Token(), forgejo); r.Status != 201 {
		t.Fatalf("generic pending publisher: %d %s", r.Status, r.Body)
	}
	fr := oidc.Run{Issuer: peer.URL, Audience: audience, Repository: "bob/tool", Workflow: "release.yml", Now: s.Now(t)}
	fc := oidc.GitHubClaims(fr)
	fc["workflow_ref"] = "bob/tool/.forgejo/workflows/release.yml@refs/heads/main"
	r2 = ciRun(t, ci, writePkg(t, pkg{Name: "bob-tool", Version: "1.0.0"}), gitlabEnv(peer.Mint(oidc.Token{Claims: fc, Alg: jose.ES256})), "publish")
	if r2.Err != nil {
		t.Fatalf("generic issuer publish: %v\n%s", r2.Err, r2.Output())
	}

	// A reservation that expired holds nothing: carol may take the name,
	// and bob's CI may no longer create it.
	if r := do(t, "POST", s.URL+"-/package/later-pkg/trust", bob.Token(), []map[string]any{{"type": "gitlab", "claims": map[string]any{"project_path": "bob/later", "ci_config_ref_uri": map[string]any{"file": ".gitlab-ci.yml"}}}}); r.Status != 201 {
		t.Fatalf("second pending publisher: %d %s", r.Status, r.Body)
	}
	s.Advance(t, 8*24*time.Hour)
	late := peer.Mint(oidc.Token{Claims: oidc.GitLabClaims(oidc.Run{Audience: audience, Repository: "bob/later", Workflow: ".gitlab-ci.yml", Now: s.Now(t)})})
	wantRefused(t, exchange(t, s, "later-pkg", late), 403, "no live pending trusted publisher")
	carol = login(t, s, "carol", "plum-sailboat-ferry-33")
	publish(t, carol, pkg{Name: "later-pkg", Version: "1.0.0"})
}

// TestTrustedPublishingCircleCI: `npm trust circleci` and a publish from
// CircleCI's environment (CIRCLECI, NPM_ID_TOKEN), whose issuer names the
// organisation: the registry trusts CircleCI's issuer pattern and the
// configuration pins the organisation, project and pipeline.
func TestTrustedPublishingCircleCI(t *testing.T) {
	t.Parallel()
	s, peer := trustServer(t, "")
	audience := audienceOf(t, s)
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "circled", Version: "1.0.0"})
	const org, project, pipeline = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"
	r := alice.MustRun("", "trust", "circleci", "circled", "--org-id", org, "--project-id", project, "--pipeline-definition-id", pipeline,
		"--vcs-origin", "github.com/acme/circled", "--allow-publish", "-y")
	mustContain(t, r.Output(), "Trust configuration created successfully for circled")
	circle := func(orgID string) string {
		now := s.Now(t)
		return peer.Mint(oidc.Token{Claims: map[string]any{
			"iss": "https://oidc.circleci.com/org/" + orgID, "aud": audience, "sub": "org/" + orgID + "/project/" + project + "/user/u1",
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": fmt.Sprint(now.UnixNano()),
			"oidc.circleci.com/org-id": orgID, "oidc.circleci.com/project-id": project, "oidc.circleci.com/pipeline-definition-id": pipeline,
			"oidc.circleci.com/vcs-origin": "github.com/acme/circled", "oidc.circleci.com/context-ids": []string{"c1"},
		}})
	}
	// Another organisation's token (a trusted issuer, by the pattern)
	// does not match the configuration.
	wantRefused(t, exchange(t, s, "circled", circle("44444444-4444-4444-8444-444444444444")), 403, "its oidc.circleci.com/org-id is")
	ci := anon(t, s)
	r = ciRun(t, ci, writePkg(t, pkg{Name: "circled", Version: "1.1.0"}), []string{"CI=true", "CIRCLECI=true", "NPM_ID_TOKEN=" + circle(org)}, "publish")
	if r.Err != nil {
		t.Fatalf("CircleCI publish: %v\n%s", r.Err, r.Output())
	}
	mustContain(t, r.Output(), "+ circled@1.1.0")
}
