package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/testpeers/sigstore"
)

// The package page shows where a version with provenance was built,
// with links, marks one without, and gives its maintainers (only) the
// continuity policy form, which changes the policy.
func TestPackagePageProvenance(t *testing.T) {
	ss, err := sigstore.New()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(root, ss.TrustedRoot(), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, "", func(c *config.Config) {
		c.Provenance.TrustedRoot = root
		c.MFA.InsecureMaintainersWithoutMFA = true // the step-up itself is authz's, tested there
	})
	alice := e.user("alice")
	e.user("bob")
	const repo = "https://github.com/alice/w"
	pj := map[string]any{"name": "@alice/w", "version": "1.0.0", "description": "w"}
	tgz := makeTgz(t, map[string]string{"package/package.json": `{"name":"@alice/w","version":"1.0.0"}`})
	bundle, err := ss.Bundle("@alice/w", "1.0.0", tgz, sigstore.DefaultBuild(repo), sigstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(publishBody(t, pj, "", "", tgz), &doc); err != nil {
		t.Fatal(err)
	}
	doc["_attachments"].(map[string]any)["@alice/w-1.0.0.sigstore"] = map[string]any{
		"content_type": "application/vnd.dev.sigstore.bundle.v0.3+json", "data": string(bundle), "length": sigstore.JSLength(string(bundle)),
	}
	body, _ := json.Marshal(doc)
	if _, err := e.svc.Registry.Publish(t.Context(), authz.Principal{User: alice}, "@alice/w", body); err != nil {
		t.Fatal(err)
	}

	w := e.browserGet("/package/@alice/w")
	wantStatus(t, w, http.StatusOK)
	commit := sigstore.DefaultBuild(repo).Commit
	wantContains(t, w.Body.String(), "Built from", `href="`+repo+`"`, `href="`+repo+`/commit/`+commit+`"`,
		`href="`+repo+`/blob/`+commit+`/.github/workflows/release.yml"`, "github-hosted")
	wantNotContains(t, w.Body.String(), "no provenance", "Provenance continuity")

	bob := e.signIn("bob")
	wantNotContains(t, e.browserGet("/package/@alice/w", bob).Body.String(), "Provenance continuity")
	w = e.postForm("/-/provenance-policy", url.Values{"package": {"@alice/w"}, "continuity": {"off"}}, bob)
	wantStatus(t, w, http.StatusForbidden)

	sess := e.signIn("alice")
	page := e.browserGet("/package/@alice/w", sess).Body.String()
	wantContains(t, page, "Provenance continuity", "New versions must come with build provenance from <code>"+repo+"</code>")
	w = e.postForm("/-/provenance-policy", url.Values{"package": {"@alice/w"}, "continuity": {"off"}}, sess)
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/package/@alice/w#provenance" {
		t.Fatalf("redirected to %q", loc)
	}
	st, err := e.svc.Registry.ProvenancePolicy().Get(t.Context(), authz.Principal{User: alice}, "@alice/w")
	if err != nil || st.Policy.Continuity != core.ContinuityOff || st.Policy.UpdatedBy != "alice" {
		t.Fatalf("policy after the form: %+v, %v", st, err)
	}
	wantContains(t, e.browserGet("/package/@alice/w", sess).Body.String(), "Off: versions may be published from any build")

	// A version without provenance is marked.
	e.publish(alice, pkgSpec{name: "@alice/w", version: "1.0.1", description: "w"})
	wantContains(t, e.browserGet("/package/@alice/w").Body.String(), "no provenance")
}
