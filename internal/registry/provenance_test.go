package registry_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob/fsblob"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/provenance"
	"github.com/rampart/rampart/internal/publish"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testpeers/sigstore"
)

const (
	acmeRepo = "https://github.com/acme/widget"
	evilRepo = "https://github.com/evil/widget"
)

// provEnv is a registry that trusts a virtual Sigstore.
type provEnv struct {
	*policyEnv
	ss *sigstore.Sigstore
}

func newProvEnv(t *testing.T) *provEnv {
	t.Helper()
	ss, err := sigstore.New()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(root, ss.TrustedRoot(), 0o600); err != nil {
		t.Fatal(err)
	}
	return &provEnv{policyEnv: newPolicyEnvWith(t, func(c *config.Config) { c.Provenance.TrustedRoot = root }), ss: ss}
}

// provBody is the publish body of name@version, with a provenance
// bundle built from repo (none if repo is ""), changed by o.
func (e *provEnv) provBody(name, version, repo string, o sigstore.Options) ([]byte, string) {
	e.t.Helper()
	pj := map[string]any{"name": name, "version": version, "description": "widget"}
	tgz := npmfixture.Package(pj, map[string]string{"index.js": "module.exports = " + `"` + version + `"` + "\n"})
	doc := npmfixture.Publish{Manifest: pj, Tarball: tgz}.Doc()
	var bundle string
	if repo != "" {
		b, err := e.ss.Bundle(name, version, tgz, sigstore.DefaultBuild(repo), o)
		if err != nil {
			e.t.Fatal(err)
		}
		bundle = string(b)
		doc["_attachments"].(map[string]any)[name+"-"+version+".sigstore"] = map[string]any{
			"content_type": "application/vnd.dev.sigstore.bundle.v0.3+json", "data": bundle, "length": sigstore.JSLength(bundle),
		}
	}
	body, err := json.Marshal(doc)
	if err != nil {
		e.t.Fatal(err)
	}
	return body, bundle
}

func (e *provEnv) tryProv(p authz.Principal, name, version, repo string, o sigstore.Options) error {
	e.t.Helper()
	body, _ := e.provBody(name, version, repo, o)
	_, err := e.svc.Registry.Publish(e.ctx, p, name, body)
	return err
}

// A verified bundle is stored with its facts, announced in the packument
// as npm reads it, and served by Attestations unchanged.
func TestProvenanceVerifiedAndServed(t *testing.T) {
	e := newProvEnv(t)
	body, bundle := e.provBody("@alice/widget", "1.0.0", acmeRepo, sigstore.Options{})
	if _, err := e.svc.Registry.Publish(e.ctx, e.alice, "@alice/widget", body); err != nil {
		t.Fatal(err)
	}
	view, err := e.svc.Registry.View(e.ctx, authz.Principal{}, "@alice/widget")
	if err != nil {
		t.Fatal(err)
	}
	f := view.Versions[0].Provenance
	if f == nil || f.SourceRepository != acmeRepo || f.Commit != sigstore.DefaultBuild(acmeRepo).Commit || f.WorkflowPath != ".github/workflows/release.yml" {
		t.Fatalf("the page's provenance of 1.0.0 = %+v", f)
	}
	doc, err := e.svc.Registry.Document(e.ctx, authz.Principal{}, "@alice/widget", store.DocFull)
	if err != nil {
		t.Fatal(err)
	}
	var pk struct {
		Versions map[string]struct {
			Dist struct {
				Attestations struct {
					URL        string `json:"url"`
					Provenance struct {
						PredicateType string `json:"predicateType"`
					} `json:"provenance"`
				} `json:"attestations"`
			} `json:"dist"`
		} `json:"versions"`
	}
	if err := json.Unmarshal(doc.Full, &pk); err != nil {
		t.Fatal(err)
	}
	att := pk.Versions["1.0.0"].Dist.Attestations
	if !strings.HasSuffix(att.URL, "/-/npm/v1/attestations/@alice%2fwidget@1.0.0") || att.Provenance.PredicateType != "https://slsa.dev/provenance/v1" {
		t.Fatalf("dist.attestations = %+v", att)
	}
	as, err := e.svc.Registry.Attestations().List(e.ctx, authz.Principal{}, "@alice/widget", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || as[0].PredicateType != "https://slsa.dev/provenance/v1" || string(as[0].Bundle) != bundle {
		t.Fatalf("Attestations = %d entries, want the bundle as published", len(as))
	}
}

// A bundle that does not verify refuses the publish, leaving nothing.
func TestProvenanceRefusedBundle(t *testing.T) {
	e := newProvEnv(t)
	err := e.tryProv(e.alice, "@alice/widget", "1.0.0", acmeRepo, sigstore.Options{SubjectName: "pkg:npm/%40acme/widget@9.9.9"})
	if core.KindOf(err) != core.KindInvalid || !strings.Contains(err.Error(), "provenance bundle was refused") {
		t.Fatalf("publish with another version's bundle: %v", err)
	}
	if _, err := e.svc.Registry.View(e.ctx, authz.Principal{}, "@alice/widget"); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("the refused publish left a package behind: %v", err)
	}
}

// Once a package published with provenance from a repository, a version
// without provenance or from another repository is refused, told to the
// owners, until an owner changes the policy.
func TestProvenanceContinuity(t *testing.T) {
	e := newProvEnv(t)
	if err := e.tryProv(e.alice, "@alice/widget", "1.0.0", acmeRepo, sigstore.Options{}); err != nil {
		t.Fatal(err)
	}
	err := e.tryProv(e.alice, "@alice/widget", "1.0.1", "", sigstore.Options{})
	if core.KindOf(err) != core.KindForbidden || !strings.Contains(err.Error(), acmeRepo) || !strings.Contains(err.Error(), "has no provenance") {
		t.Fatalf("publish without provenance: %v", err)
	}
	err = e.tryProv(e.alice, "@alice/widget", "1.0.1", evilRepo, sigstore.Options{})
	if core.KindOf(err) != core.KindForbidden || !strings.Contains(err.Error(), evilRepo) || !strings.Contains(err.Error(), "provenance-policy") {
		t.Fatalf("publish from another repository: %v", err)
	}
	if err := e.tryProv(e.alice, "@alice/widget", "1.0.1", acmeRepo, sigstore.Options{}); err != nil {
		t.Fatalf("publish from the same repository: %v", err)
	}

	// Bob is no owner: he cannot change the policy.
	if err := e.svc.Registry.ProvenancePolicy().Set(e.ctx, e.bob, "@alice/widget", core.ContinuityOff, ""); core.KindOf(err) != core.KindForbidden {
		t.Fatalf("a non-owner changed the policy: %v", err)
	}
	if err := e.svc.Registry.ProvenancePolicy().Set(e.ctx, e.alice, "@alice/widget", core.ContinuityEnforce, "http://x"); core.KindOf(err) != core.KindInvalid {
		t.Fatalf("a repository that is no https URL: %v", err)
	}
	// The source moved: the owner names the new repository.
	if err := e.svc.Registry.ProvenancePolicy().Set(e.ctx, e.alice, "@alice/widget", core.ContinuityEnforce, evilRepo); err != nil {
		t.Fatal(err)
	}
	if err := e.tryProv(e.alice, "@alice/widget", "1.0.2", acmeRepo, sigstore.Options{}); core.KindOf(err) != core.KindForbidden {
		t.Fatalf("publish from the old repository after the move: %v", err)
	}
	if err := e.tryProv(e.alice, "@alice/widget", "1.0.2", evilRepo, sigstore.Options{}); err != nil {
		t.Fatalf("publish from the named repository: %v", err)
	}
	// Off: anything goes.
	if err := e.svc.Registry.ProvenancePolicy().Set(e.ctx, e.alice, "@alice/widget", core.ContinuityOff, ""); err != nil {
		t.Fatal(err)
	}
	if err := e.tryProv(e.alice, "@alice/widget", "1.0.3", "", sigstore.Options{}); err != nil {
		t.Fatalf("publish without provenance, continuity off: %v", err)
	}
	st, err := e.svc.Registry.ProvenancePolicy().Get(e.ctx, e.alice, "@alice/widget")
	if err != nil || st.Policy.Continuity != core.ContinuityOff || st.Policy.UpdatedBy != "alice" || st.Last.SourceRepository != evilRepo {
		t.Fatalf("ProvenancePolicy = %+v, %v", st, err)
	}

	if err := e.svc.Registry.Close(e.ctx); err != nil { // waits for the mail
		t.Fatal(err)
	}
	if got := outboxMails(t, e.policyEnv, "was refused on"); len(got) != 3 || !strings.Contains(got[0], "To: <alice@example.com>") {
		t.Fatalf("%d mails about refused publishes, want 3 (one per refusal) to alice", len(got))
	}
	if got := outboxMails(t, e.policyEnv, "The provenance policy of @alice/widget changed"); len(got) != 2 {
		t.Fatalf("%d mails about policy changes, want 2", len(got))
	}
}

// A publish through trusted publishing must carry provenance from the
// trusted publisher's repository and workflow (publish.Provenance's
// TrustedPublisher, which the lead wires to trusted publishing).
func TestProvenanceTrustedPublisher(t *testing.T) {
	ss, err := sigstore.New()
	if err != nil {
		t.Fatal(err)
	}
	v, err := provenance.NewVerifier(ss.TrustedRoot())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := fsblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.New(ctx, eventcheck.Wrap(t, st), blobs, registry.Config{
		Format: npm.Format{}, PublicURL: notifyURL, Limits: limits.Default(), Mailer: &recordingMailer{},
		Provenance: publish.Provenance{Verifier: v, TrustedPublisher: func(_ store.Tx, p authz.Principal) (string, string, bool, error) {
			return "alice/widget", "release.yml", p.User != nil && p.User.Name == "alice", nil
		}},
	}, func() time.Time { return policyT0 }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		reg.Close(ctx)
		st.Close()
	})
	alice := &core.User{Name: "alice", Email: "alice@example.com", EmailVerified: true, CreatedAt: policyT0}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateUser(alice) }); err != nil {
		t.Fatal(err)
	}
	e := &provEnv{policyEnv: &policyEnv{t: t, ctx: ctx}, ss: ss}
	body, _ := e.provBody("@alice/widget", "1.0.0", evilRepo, sigstore.Options{})
	_, err = reg.Publish(ctx, authz.Principal{User: alice}, "@alice/widget", body)
	if core.KindOf(err) != core.KindForbidden || !strings.Contains(err.Error(), "trusted publisher is alice/widget") {
		t.Fatalf("provenance from another repository than the trusted publisher's: %v", err)
	}
	body, _ = e.provBody("@alice/widget", "1.0.0", "https://github.com/alice/widget", sigstore.Options{})
	if _, err := reg.Publish(ctx, authz.Principal{User: alice}, "@alice/widget", body); err != nil {
		t.Fatalf("provenance from the trusted publisher's repository and workflow: %v", err)
	}
}
