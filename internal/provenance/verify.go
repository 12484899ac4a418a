// Package provenance verifies build provenance: the Sigstore bundle that
// `npm publish --provenance` attaches (a DSSE-signed in-toto statement
// with a SLSA provenance predicate, a Fulcio certificate and a Rekor
// entry), against a trusted root given as a file, with no network. It
// turns a verified bundle into the facts stored with the version
// (core.Provenance), checks them against a trusted publisher, and decides
// provenance continuity (BEY-b): whether a package that published from a
// source repository may publish without provenance or from another one.
//
// It decides and never writes: the publish pipeline (internal/publish)
// calls it and records what it says.
package provenance

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/rampart/rampart/internal/core"
)

// The predicate types accepted: SLSA provenance v1 (npm from GitHub
// Actions) and v0.2 (npm from GitLab CI).
const (
	PredicateSLSAv1  = "https://slsa.dev/provenance/v1"
	PredicateSLSAv02 = "https://slsa.dev/provenance/v0.2"
)

// Subject is what a bundle must attest to: the package URL of the
// version (npm: pkg:npm/%40scope/name@1.0.0) and its artifact's SHA-512.
type Subject struct {
	Name   string
	SHA512 []byte
}

// Verifier checks bundles against one trusted root.
type Verifier struct {
	v *verify.Verifier
}

// NewVerifier returns a verifier trusting the Sigstore instance that
// trustedRootJSON describes (the trusted_root.json format). It needs a
// transparency-log entry and a timestamp from the log (or a timestamp
// authority) for every bundle, and a signed certificate timestamp when
// the root names certificate-transparency logs, as npm's own verifier
// does.
func NewVerifier(trustedRootJSON []byte) (*Verifier, error) {
	tr, err := root.NewTrustedRootFromJSON(trustedRootJSON)
	if err != nil {
		return nil, fmt.Errorf("reading the Sigstore trusted root: %w", err)
	}
	if len(tr.FulcioCertificateAuthorities()) == 0 || len(tr.RekorLogs()) == 0 {
		return nil, errors.New("the Sigstore trusted root names no certificate authority or no transparency log")
	}
	opts := []verify.VerifierOption{verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1)}
	if len(tr.CTLogs()) > 0 {
		opts = append(opts, verify.WithSignedCertificateTimestamps(1))
	}
	v, err := verify.NewVerifier(tr, opts...)
	if err != nil {
		return nil, err
	}
	return &Verifier{v: v}, nil
}

// Verify checks bundleJSON (a Sigstore bundle as npm attaches it) and
// returns the provenance facts it proves for s. Every refusal is a
// core.KindInvalid error saying what was wrong and what to do.
func (pv *Verifier) Verify(bundleJSON []byte, s Subject) (*core.Provenance, error) {
	var b bundle.Bundle
	if err := b.UnmarshalJSON(bundleJSON); err != nil {
		return nil, refuse("it is not a valid Sigstore bundle (%s)", short(err))
	}
	if _, err := b.Envelope(); err != nil {
		return nil, refuse("it carries no DSSE envelope with an in-toto statement (%s)", short(err))
	}
	// The identity is checked below, from the certificate's extensions:
	// any issuer the trusted root's certificate authority vouched for may
	// sign, as long as the certificate names the build's source.
	anyone, err := verify.NewShortCertificateIdentity("", ".+", "", ".+")
	if err != nil {
		return nil, err
	}
	res, err := pv.v.Verify(&b, verify.NewPolicy(verify.WithArtifactDigest("sha512", s.SHA512), verify.WithCertificateIdentity(anyone)))
	if err != nil {
		return nil, refuse("%s", explain(err))
	}
	st := res.Statement
	if st == nil {
		return nil, refuse("its envelope holds no in-toto statement")
	}
	if len(st.GetSubject()) != 1 {
		return nil, refuse("its statement names %d subjects; npm attests exactly one, the package version", len(st.GetSubject()))
	}
	sub := st.GetSubject()[0]
	if sub.GetName() != s.Name {
		return nil, refuse("its statement is about %q, not %q: attach the bundle made for this version", sub.GetName(), s.Name)
	}
	if !strings.EqualFold(sub.GetDigest()["sha512"], hex.EncodeToString(s.SHA512)) {
		return nil, refuse("its statement's SHA-512 is not this tarball's: attach the bundle made for this tarball")
	}
	pt := st.GetPredicateType()
	if pt != PredicateSLSAv1 && pt != PredicateSLSAv02 {
		return nil, refuse("its predicate type is %q; build provenance must be SLSA provenance (%s or %s)", pt, PredicateSLSAv1, PredicateSLSAv02)
	}
	if res.Signature == nil || res.Signature.Certificate == nil {
		return nil, refuse("it is signed with a key, not a Fulcio certificate naming the build")
	}
	f, err := facts(pt, res.Signature.Certificate, st.GetPredicate().AsMap())
	if err != nil {
		return nil, err
	}
	entries, err := b.TlogEntries()
	if err == nil && len(entries) > 0 {
		f.LogIndex = entries[0].LogIndex()
		f.IntegratedAt = entries[0].IntegratedTime().UTC()
	}
	return f, nil
}

// facts takes the provenance facts from the certificate (what Fulcio
// vouched for) and the predicate (what the build said), refusing a
// predicate that names another source than the certificate.
func facts(predicateType string, c *certificate.Summary, pred map[string]any) (*core.Provenance, error) {
	ext := c.Extensions
	f := &core.Provenance{
		PredicateType:    predicateType,
		SourceRepository: ext.SourceRepositoryURI,
		Commit:           ext.SourceRepositoryDigest,
		SourceRef:        ext.SourceRepositoryRef,
		Runner:           ext.RunnerEnvironment,
		Trigger:          ext.BuildTrigger,
		RunURL:           ext.RunInvocationURI,
		Issuer:           ext.Issuer,
	}
	if f.SourceRepository == "" {
		return nil, refuse("its certificate names no source repository: build provenance must be signed by a CI workflow (npm publish --provenance in GitHub Actions or GitLab CI)")
	}
	f.WorkflowPath, f.WorkflowRef = splitBuildConfig(ext.BuildConfigURI, f.SourceRepository)
	p, err := readPredicate(predicateType, pred)
	if err != nil {
		return nil, err
	}
	f.Builder = p.builder
	if p.repository != "" && !sameRepository(p.repository, f.SourceRepository) {
		return nil, refuse("its statement says the build came from %s but its certificate says %s", p.repository, f.SourceRepository)
	}
	if f.WorkflowPath == "" {
		f.WorkflowPath, f.WorkflowRef = p.workflowPath, p.workflowRef
	}
	if f.Commit == "" {
		f.Commit = p.commit
	}
	return f, nil
}

// splitBuildConfig splits Fulcio's build config URI
// (https://github.com/o/r/.github/workflows/release.yml@refs/heads/main)
// into the workflow's path in the repository and its ref.
func splitBuildConfig(uri, repo string) (path, ref string) {
	if uri == "" {
		return "", ""
	}
	if i := strings.LastIndex(uri, "@"); i >= 0 {
		uri, ref = uri[:i], uri[i+1:]
	}
	path = strings.TrimPrefix(uri, strings.TrimSuffix(repo, "/")+"/")
	return path, ref
}

// predicateFacts is what the SLSA predicate says about the build.
type predicateFacts struct {
	builder, repository, workflowPath, workflowRef, commit string
}

// slsaV1 and slsaV02 are the parts of the SLSA predicates read here.
type slsaV1 struct {
	BuildDefinition struct {
		ExternalParameters struct {
			Workflow struct {
				Ref        string `json:"ref"`
				Repository string `json:"repository"`
				Path       string `json:"path"`
			} `json:"workflow"`
		} `json:"externalParameters"`
		ResolvedDependencies []struct {
			URI    string            `json:"uri"`
			Digest map[string]string `json:"digest"`
		} `json:"resolvedDependencies"`
	} `json:"buildDefinition"`
	RunDetails struct {
		Builder struct {
			ID string `json:"id"`
		} `json:"builder"`
	} `json:"runDetails"`
}

type slsaV02 struct {
	Builder struct {
		ID string `json:"id"`
	} `json:"builder"`
	Invocation struct {
		ConfigSource struct {
			URI        string            `json:"uri"`
			Digest     map[string]string `json:"digest"`
			EntryPoint string            `json:"entryPoint"`
		} `json:"configSource"`
	} `json:"invocation"`
}

func readPredicate(predicateType string, pred map[string]any) (predicateFacts, error) {
	raw, err := json.Marshal(pred)
	if err != nil {
		return predicateFacts{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var out predicateFacts
	switch predicateType {
	case PredicateSLSAv1:
		var p slsaV1
		if err := dec.Decode(&p); err != nil {
			return out, refuse("its SLSA v1 predicate is malformed (%s)", short(err))
		}
		w := p.BuildDefinition.ExternalParameters.Workflow
		out = predicateFacts{builder: p.RunDetails.Builder.ID, repository: w.Repository, workflowPath: w.Path, workflowRef: w.Ref}
		for _, d := range p.BuildDefinition.ResolvedDependencies {
			if c := d.Digest["gitCommit"]; c != "" {
				out.commit = c
				break
			}
		}
	default:
		var p slsaV02
		if err := dec.Decode(&p); err != nil {
			return out, refuse("its SLSA v0.2 predicate is malformed (%s)", short(err))
		}
		cs := p.Invocation.ConfigSource
		out = predicateFacts{builder: p.Builder.ID, workflowPath: cs.EntryPoint, commit: cs.Digest["sha1"]}
	}
	return out, nil
}

// sameRepository compares repository URLs ignoring a trailing ".git" or
// slash and the host's case, as a source host does.
func sameRepository(a, b string) bool {
	return normalizeRepository(a) == normalizeRepository(b)
}

// normalizeRepository is a repository URL in the form compared: scheme
// and host lower-cased, no trailing ".git" or slash. The path keeps its
// case: hosts differ on whether it matters, and matching must not be
// looser than the host.
func normalizeRepository(r string) string {
	r = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(r), "/"), ".git")
	u, err := url.Parse(r)
	if err != nil || u.Host == "" {
		return r
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	return u.String()
}

// refuse is a verification failure, worded for the publisher.
func refuse(format string, args ...any) error {
	return core.Errorf(core.KindInvalid, "the provenance bundle was refused: "+format+"; publish again with the bundle npm publish --provenance makes for this version, or without --provenance", args...)
}

// explain words a sigstore-go verification error for the publisher: the
// part that says what failed.
func explain(err error) string {
	msg := short(err)
	switch {
	case strings.Contains(msg, "outside certificate validity") || strings.Contains(msg, "certificate has expired"):
		return "no trusted timestamp falls within its certificate's validity: the certificate had expired, or was not yet valid, when the log recorded the entry (" + msg + ")"
	case strings.Contains(msg, "artifact digest"):
		return "its statement's SHA-512 is not this tarball's (" + msg + ")"
	case strings.Contains(msg, "certificate") && strings.Contains(msg, "x509"):
		return "its certificate does not chain to a certificate authority this registry trusts (" + msg + ")"
	case strings.Contains(msg, "transparency log") || strings.Contains(msg, "tlog"):
		return "its transparency-log entry does not verify against a log this registry trusts (" + msg + ")"
	case strings.Contains(msg, "signature"):
		return "its signature does not verify (" + msg + ")"
	case strings.Contains(msg, "timestamp"):
		return "no trusted timestamp falls within its certificate's validity (" + msg + ")"
	}
	return msg
}

// short bounds an error's text quoted back to the client.
func short(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
