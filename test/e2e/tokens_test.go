package e2e

import (
	"regexp"
	"strings"
	"testing"
)

// TestTokens: create, list, scope, read-only, revoke, CIDR, expiry limit
// and the offline checksum check.
func TestTokens(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	session := alice.Token()

	// npm token create prints the new token once.
	r := alice.MustRun("", "token", "create", "--password", alicePW)
	mustContain(t, r.Stdout, "Created token rmp_", "expires: ")
	tok := tokenRE.FindString(r.Stdout)
	if tok == "" || len(tok) != 40 {
		t.Fatalf("no rmp_ token in:\n%s", r.Stdout)
	}
	// A wrong password is refused.
	mustFail(t, alice.Run("", "token", "create", "--password", "not-my-password-1"),
		"401 Unauthorized - POST "+s.URL+"-/npm/v1/tokens - incorrect password; creating a token needs your current password")

	// npm token list shows it by id (the start of its key) and mask.
	list := do(t, "GET", s.URL+"-/npm/v1/tokens", session, nil)
	var key string
	for _, o := range list.JSON(t)["objects"].([]any) {
		m := o.(map[string]any)
		if m["token"] == tok[:8] {
			key = m["key"].(string)
		}
	}
	if key == "" {
		t.Fatalf("token %s not in the token API list: %s", tok[:8], list.Body)
	}
	r = alice.MustRun("", "token", "list")
	m := regexp.MustCompile(`Token ` + regexp.QuoteMeta(tok[:8]) + `… with id (\w+) name token created \d{4}-\d\d-\d\d`).FindStringSubmatch(r.Stdout)
	if m == nil || !strings.HasPrefix(key, m[1]) {
		t.Fatalf("npm token list does not show %s with id %s...:\n%s", tok[:8], key[:6], r.Stdout)
	}
	id := m[1]
	mustNotContain(t, r.Stdout, tok) // never the whole token again

	// The API token works for npm.
	api := anon(t, s)
	api.SetToken(tok)
	if got := api.MustRun("", "whoami").Stdout; got != "alice\n" {
		t.Fatalf("whoami with the API token = %q", got)
	}
	publish(t, api, pkg{Name: "via-api-token", Version: "1.0.0"})
	// Default API tokens can publish but not manage.
	mustFail(t, api.Run("", "dist-tag", "add", "via-api-token@1.0.0", "stable"),
		"403 Forbidden", "does not allow managing packages (unpublish, deprecate, dist-tags, owners, access)")

	// A token limited to pkg-a.
	scoped := mustCreateToken(t, s, session, map[string]any{"password": alicePW, "packages": []string{"pkg-a"}})
	na := anon(t, s)
	na.SetToken(scoped)
	publish(t, na, pkg{Name: "pkg-a", Version: "1.0.0"})
	mustFail(t, na.Run(writePkg(t, pkg{Name: "pkg-b", Version: "1.0.0"}), "publish"),
		"403 Forbidden - PUT "+s.URL+"pkg-b - this token ("+scoped[:8]+", \"token\") is limited to pkg-a and cannot act on pkg-b")
	if h := packument(t, s, "pkg-b", ""); h.Status != 404 {
		t.Fatalf("pkg-b exists after a refused publish: %d", h.Status)
	}
	publish(t, na, pkg{Name: "pkg-a", Version: "1.0.1"})

	// npm's --scopes makes a token for @scope/* packages.
	r = alice.MustRun("", "token", "create", "--password", alicePW, "--scopes", "@alice")
	scopeTok := tokenRE.FindString(r.Stdout)
	ns := anon(t, s)
	ns.SetToken(scopeTok)
	publish(t, ns, pkg{Name: "@alice/tool", Version: "1.0.0"}, "--access", "public")
	mustFail(t, ns.Run(writePkg(t, pkg{Name: "pkg-a", Version: "1.0.2"}), "publish"),
		"403 Forbidden", "is limited to @alice/* and cannot act on pkg-a")

	// Patterns may name npm's ecosystem (docs/tokens.md): stored bare;
	// another ecosystem's is refused, saying how to name npm packages.
	r = alice.MustRun("", "token", "create", "--password", alicePW, "--packages", "npm:pkg-a", "--scopes", "npm:@alice")
	npmTok := tokenRE.FindString(r.Stdout)
	nn := anon(t, s)
	nn.SetToken(npmTok)
	publish(t, nn, pkg{Name: "@alice/npm-tool", Version: "1.0.0"}, "--access", "public")
	mustFail(t, nn.Run(writePkg(t, pkg{Name: "pkg-b", Version: "1.0.0"}), "publish"),
		"403 Forbidden", "is limited to pkg-a, @alice/* and cannot act on pkg-b")
	mustFail(t, alice.Run("", "token", "create", "--password", alicePW, "--packages", "go:example.com/*"),
		"400 Bad Request", `"go:example.com/*" names packages of "go", which this registry does not serve`)

	// A read-only token authenticates but cannot publish.
	ro := mustCreateToken(t, s, session, map[string]any{"password": alicePW, "packages_and_scopes_permission": "read-only"})
	nr := anon(t, s)
	nr.SetToken(ro)
	if got := nr.MustRun("", "whoami").Stdout; got != "alice\n" {
		t.Fatalf("whoami with the read-only token = %q", got)
	}
	nr.MustRun(project(t), "install", "pkg-a")
	mustFail(t, nr.Run(writePkg(t, pkg{Name: "pkg-a", Version: "1.0.2"}), "publish"),
		"403 Forbidden - PUT "+s.URL+"pkg-a - this token ("+ro[:8]+", \"token\") does not allow publishing")
	// The token API tells it is read-only.
	mustContain(t, alice.MustRun("", "token", "list", "--json").Stdout, `"readonly": true`)
	// API tokens cannot mint tokens.
	if h := createToken(t, s, tok, map[string]any{"password": alicePW}); h.Status != 403 || !strings.Contains(string(h.Body), "cannot manage tokens") {
		t.Fatalf("token creation with an API token: %d %s", h.Status, h.Body)
	}

	// Revoke the first API token: it stops working at once.
	r = alice.MustRun("", "token", "revoke", id)
	mustContain(t, r.Stdout, "Removed 1 token")
	mustFail(t, api.Run("", "whoami"), "401 Unauthorized - GET "+s.URL+"-/whoami - this token ("+tok[:8]+") was revoked on ")
	mustFail(t, api.Run(writePkg(t, pkg{Name: "via-api-token", Version: "1.0.1"}), "publish"), "was revoked on")
	mustNotContain(t, alice.MustRun("", "token", "list").Stdout, tok[:8]+"…")

	// A token bound to 10.0.0.0/8 is refused from 127.0.0.1.
	cidr := mustCreateToken(t, s, session, map[string]any{"password": alicePW, "cidr_whitelist": []string{"10.0.0.0/8"}})
	nc := anon(t, s)
	nc.SetToken(cidr)
	mustFail(t, nc.Run("", "whoami"),
		"403 Forbidden - GET "+s.URL+"-/whoami - this token ("+cidr[:8]+") may only be used from 10.0.0.0/8, not from 127.0.0.1")
	mustContain(t, alice.MustRun("", "token", "list").Stdout, "with IP whitelist: 10.0.0.0/8")
	// npm's own --cidr flag sends the same thing.
	r = alice.MustRun("", "token", "create", "--password", alicePW, "--cidr", "192.168.0.0/16")
	mustContain(t, r.Stdout, "with IP whitelist: 192.168.0.0/16")

	// Publish tokens live at most 90 days.
	mustFail(t, alice.Run("", "token", "create", "--password", alicePW, "--expires", "91"),
		"400 Bad Request - POST "+s.URL+"-/npm/v1/tokens - token expiry of 91 days is not allowed: tokens that can publish or manage may live at most 90 days")
	if h := createToken(t, s, session, map[string]any{"password": alicePW, "expires": 91}); h.Status != 400 || !strings.Contains(string(h.Body), "at most 90 days") {
		t.Fatalf("expires 91: %d %s", h.Status, h.Body)
	}
	mustContain(t, alice.MustRun("", "token", "create", "--password", alicePW, "--expires", "90").Stdout, "Created token rmp_")

	// One flipped character: refused by the checksum, before any lookup.
	flipped := []byte(cidr)
	if flipped[10] == 'a' {
		flipped[10] = 'b'
	} else {
		flipped[10] = 'a'
	}
	nf := anon(t, s)
	nf.SetToken(string(flipped))
	mustFail(t, nf.Run("", "whoami"),
		"401 Unauthorized - GET "+s.URL+"-/whoami - token checksum does not match: it was mistyped or truncated")
	// Even reads are refused with a dead token, so the user learns at once.
	mustFail(t, nf.Run("", "view", "pkg-a"), "token checksum does not match")
}
