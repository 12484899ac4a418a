package provenance_test

import (
	"crypto/sha512"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/provenance"
	"github.com/rampart/rampart/internal/testpeers/sigstore"
)

const repo = "https://github.com/acme/widget"

func subject(name, version string, tarball []byte) provenance.Subject {
	sum := sha512.Sum512(tarball)
	return provenance.Subject{Name: provenance.PackageURL(core.NPM(name), version), SHA512: sum[:]}
}

func newSigstore(t testing.TB) (*sigstore.Sigstore, *provenance.Verifier) {
	t.Helper()
	ss, err := sigstore.New()
	if err != nil {
		t.Fatal(err)
	}
	v, err := provenance.NewVerifier(ss.TrustedRoot())
	if err != nil {
		t.Fatal(err)
	}
	return ss, v
}

func TestVerifyFacts(t *testing.T) {
	ss, v := newSigstore(t)
	tgz := []byte("the tarball")
	b, err := ss.Bundle("@acme/widget", "1.0.0", tgz, sigstore.DefaultBuild(repo), sigstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := v.Verify(b, subject("@acme/widget", "1.0.0", tgz))
	if err != nil {
		t.Fatalf("a good bundle was refused: %v", err)
	}
	want := core.Provenance{
		PredicateType: provenance.PredicateSLSAv1, SourceRepository: repo,
		Commit: "0123456789abcdef0123456789abcdef01234567", SourceRef: "refs/heads/main",
		WorkflowPath: ".github/workflows/release.yml", WorkflowRef: "refs/heads/main",
		Builder: "https://github.com/actions/runner/github-hosted", Runner: "github-hosted", Trigger: "push",
		RunURL: repo + "/actions/runs/1/attempts/1", Issuer: "https://token.actions.githubusercontent.com",
		LogIndex: f.LogIndex, IntegratedAt: f.IntegratedAt,
	}
	if *f != want {
		t.Errorf("facts:\n got %+v\nwant %+v", *f, want)
	}
	if f.IntegratedAt.IsZero() {
		t.Error("no integrated time")
	}
}

func TestVerifyRefusals(t *testing.T) {
	ss, v := newSigstore(t)
	other, _ := newSigstore(t)
	tgz := []byte("the tarball")
	sub := subject("@acme/widget", "1.0.0", tgz)
	wrong := sha512.Sum512([]byte("another tarball"))
	cases := []struct {
		name string
		ss   *sigstore.Sigstore
		o    sigstore.Options
		want string
	}{
		{"wrong subject digest", ss, sigstore.Options{SubjectSHA512: wrong[:]}, "SHA-512"},
		{"wrong name", ss, sigstore.Options{SubjectName: "pkg:npm/%40acme/other@1.0.0"}, `is about "pkg:npm/%40acme/other@1.0.0"`},
		{"wrong version", ss, sigstore.Options{SubjectName: "pkg:npm/%40acme/widget@2.0.0"}, `not "pkg:npm/%40acme/widget@1.0.0"`},
		{"tampered signature", ss, sigstore.Options{TamperSignature: true}, "does not verify"},
		{"untrusted root", other, sigstore.Options{}, "this registry trusts"},
		{"expired certificate without timestamp", ss, sigstore.Options{ExpiredCertificate: true}, "validity"},
		{"statement names another repository", ss, sigstore.Options{StatementRepository: "https://github.com/evil/widget"}, "https://github.com/evil/widget"},
		{"not SLSA", ss, sigstore.Options{PredicateType: "https://example.com/other"}, "predicate type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := c.ss.Bundle("@acme/widget", "1.0.0", tgz, sigstore.DefaultBuild(repo), c.o)
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(b, sub)
			if err == nil {
				t.Fatal("verified")
			}
			if core.KindOf(err) != core.KindInvalid || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "provenance bundle was refused") {
				t.Errorf("error %q (kind %v), want invalid mentioning %q", err, core.KindOf(err), c.want)
			}
		})
	}
	if _, err := v.Verify([]byte(`{"mediaType":"x"}`), sub); err == nil {
		t.Error("garbage verified")
	}
}

func TestPublicGoodRootLoads(t *testing.T) {
	if _, err := provenance.LoadVerifier(""); err != nil {
		t.Fatal(err)
	}
}

func TestContinuity(t *testing.T) {
	from := func(r string) *core.Provenance { return &core.Provenance{SourceRepository: r} }
	enforce := core.ProvenancePolicy{}
	cases := []struct {
		name      string
		pol       core.ProvenancePolicy
		last, got *core.Provenance
		stages    bool
		want      provenance.Outcome
	}{
		{"never had provenance", enforce, nil, nil, false, provenance.Allow},
		{"same repository", enforce, from(repo), from(repo + ".git"), false, provenance.Allow},
		{"no provenance", enforce, from(repo), nil, false, provenance.Refuse},
		{"other repository", enforce, from(repo), from("https://github.com/evil/widget"), false, provenance.Refuse},
		{"other repository, package stages", enforce, from(repo), from("https://github.com/evil/widget"), true, provenance.WouldStage},
		{"off", core.ProvenancePolicy{Continuity: core.ContinuityOff}, from(repo), nil, false, provenance.Allow},
		{"moved by owner", core.ProvenancePolicy{Repository: "https://github.com/acme/new"}, from(repo), from("https://github.com/acme/new"), false, provenance.Allow},
		{"moved by owner, old source", core.ProvenancePolicy{Repository: "https://github.com/acme/new"}, from(repo), from(repo), false, provenance.Refuse},
	}
	for _, c := range cases {
		d := provenance.Continuity("@acme/widget", c.pol, c.last, c.got, c.stages)
		if d.Outcome != c.want {
			t.Errorf("%s: outcome %v, want %v", c.name, d.Outcome, c.want)
		}
		if d.Outcome != provenance.Allow && !strings.Contains(d.Message, d.Expected) {
			t.Errorf("%s: message %q does not say what was expected", c.name, d.Message)
		}
	}
}

func TestCheckTrustedPublisher(t *testing.T) {
	p := &core.Provenance{SourceRepository: repo, WorkflowPath: ".github/workflows/release.yml"}
	for _, c := range []struct {
		repo, workflow string
		ok             bool
	}{
		{"acme/widget", "release.yml", true},
		{repo, ".github/workflows/release.yml", true},
		{"acme/other", "release.yml", false},
		{"acme/widget", "ci.yml", false},
	} {
		err := provenance.CheckTrustedPublisher(p, c.repo, c.workflow)
		if (err == nil) != c.ok {
			t.Errorf("%s %s: %v", c.repo, c.workflow, err)
		}
	}
}
