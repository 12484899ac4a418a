package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// auditPrivateRecord is an OSV record about name below 1.0.1.
func auditPrivateRecord(id, name string) []byte {
	return []byte(`{
  "schema_version": "1.6.0",
  "id": "` + id + `",
  "modified": "2026-01-02T03:04:05Z",
  "published": "2026-01-01T00:00:00Z",
  "summary": "Command injection in ` + name + `",
  "affected": [{
    "package": {"ecosystem": "npm", "name": "` + name + `"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]
  }],
  "database_specific": {"severity": "HIGH"}
}`)
}

// TestAuditHidesRestrictedPackages: npm's audit answers an advisory about
// a restricted package only to whoever may read that package. In one
// project that depends on a restricted package and a public one, both
// with an advisory, the owner's `npm audit` lists both; a stranger's
// (another signed-in account, in the same project) lists the public
// one's only and says nothing of the restricted package or its advisory.
func TestAuditHidesRestrictedPackages(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	bob := signup(t, s, "bob", bobPW)
	publish(t, alice, pkg{Name: "@alice/audpriv-lib", Version: "1.0.0"}, "--access", "restricted")
	publish(t, alice, pkg{Name: "audpriv-pub", Version: "1.0.0"})

	dir := t.TempDir()
	write(t, filepath.Join(dir, "GHSA-e2e0-0002-priv.json"), auditPrivateRecord("GHSA-e2e0-0002-priv", "@alice/audpriv-lib"))
	write(t, filepath.Join(dir, "GHSA-e2e0-0003-publ.json"), auditPrivateRecord("GHSA-e2e0-0003-publ", "audpriv-pub"))
	if out, err := s.Admin(t, "", "advisories", "import", dir); err != nil || !strings.Contains(out, "2 new") {
		t.Fatalf("admin advisories import: %v\n%s", err, out)
	}

	app := project(t)
	r := alice.MustRun(app, "install", "@alice/audpriv-lib", "audpriv-pub")
	mustContain(t, r.Output(), "2 high severity vulnerabilities")

	// The owner sees both.
	r = alice.Run(app, "audit", "--json")
	rep := audit(t, r, r.Stdout)
	if rep.Vulnerabilities["@alice/audpriv-lib"].Severity != "high" || rep.Vulnerabilities["audpriv-pub"].Severity != "high" {
		t.Fatalf("the owner's npm audit --json does not list both:\n%s", r.Output())
	}

	// The stranger sees the public package's only: nothing names the
	// restricted package or its advisory.
	r = bob.Run(app, "audit", "--json")
	rep = audit(t, r, r.Stdout)
	if _, ok := rep.Vulnerabilities["audpriv-pub"]; !ok || len(rep.Vulnerabilities) != 1 || rep.Metadata.Vulnerabilities["high"] != 1 {
		t.Fatalf("a stranger's npm audit --json: want audpriv-pub's advisory only:\n%s", r.Output())
	}
	r = bob.Run(app, "audit")
	mustContain(t, r.Stdout, "audpriv-pub", "GHSA-e2e0-0003-publ", "1 high severity vulnerability")
	if out := r.Output(); strings.Contains(out, "audpriv-lib") || strings.Contains(out, "GHSA-e2e0-0002-priv") {
		t.Errorf("a stranger's npm audit tells of the restricted package:\n%s", out)
	}

	// The bulk endpoint itself, as npm sends it: nothing for the stranger.
	req := map[string][]string{"@alice/audpriv-lib": {"1.0.0"}, "audpriv-pub": {"1.0.0"}}
	for _, c := range []struct {
		who, token string
		want       bool
	}{{"bob", bob.Token(), false}, {"anonymous", "", false}, {"alice", alice.Token(), true}} {
		res := do(t, "POST", s.URL+"-/npm/v1/security/advisories/bulk", c.token, req)
		var got map[string]json.RawMessage
		if err := json.Unmarshal(res.Body, &got); err != nil || got["audpriv-pub"] == nil {
			t.Fatalf("%s's bulk answer: %d %s", c.who, res.Status, res.Body)
		}
		if _, ok := got["@alice/audpriv-lib"]; ok != c.want {
			t.Errorf("%s's bulk answer names the restricted package: %v, want %v\n%s", c.who, ok, c.want, res.Body)
		}
	}
}
