// Package sigstore is a virtual Sigstore for tests: its own Fulcio-like
// certificate authority (issuing leaves with GitHub Actions' certificate
// extensions), a Rekor-like log key, and the trusted_root.json that names
// them. It makes real bundle bytes, as npm publish --provenance attaches
// them: a DSSE-signed in-toto statement with a SLSA v1 provenance
// predicate, the leaf certificate, and a transparency-log entry with its
// inclusion promise (signed entry timestamp). Everything is offline.
//
// It follows the recipe of ../shared/reference/libraries.md §3.1, built
// on sigstore-go's pkg/testing/ca for the log.
package sigstore

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"time"
	"unicode/utf16"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore/pkg/signature"
	sigdsse "github.com/sigstore/sigstore/pkg/signature/dsse"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/provenance"
)

// Sigstore is one virtual Sigstore instance.
type Sigstore struct {
	// vs makes the transparency-log entries' bodies; the log itself
	// (its key, signed entry timestamps, checkpoints) is this package's:
	// VirtualSigstore's checkpoints claim a tree size their inclusion
	// proofs do not have, which sigstore-go lets pass and npm's
	// verifier (sigstore-js) refuses.
	vs        *ca.VirtualSigstore
	rekorKey  *ecdsa.PrivateKey
	logID     []byte
	root      *x509.Certificate
	inter     *x509.Certificate
	interKey  *ecdsa.PrivateKey
	trustJSON []byte
}

// New makes a virtual Sigstore with fresh keys.
func New() (*Sigstore, error) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		return nil, err
	}
	rootCert, rootKey, err := ca.GenerateRootCa()
	if err != nil {
		return nil, err
	}
	inter, interKey, err := ca.GenerateFulcioIntermediate(rootCert, rootKey)
	if err != nil {
		return nil, err
	}
	rekorKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	pkix, err := x509.MarshalPKIXPublicKey(rekorKey.Public())
	if err != nil {
		return nil, err
	}
	logID := sha256.Sum256(pkix)
	s := &Sigstore{vs: vs, rekorKey: rekorKey, logID: logID[:], root: rootCert, inter: inter, interKey: interKey}
	if err := s.buildTrustedRoot(); err != nil {
		return nil, err
	}
	return s, nil
}

// buildTrustedRoot writes the trusted root naming this instance's
// certificate authority and log. It names no CT log: the leaves carry no
// signed certificate timestamps.
func (s *Sigstore) buildTrustedRoot() error {
	from, to := time.Now().Add(-24*time.Hour), time.Now().Add(24*time.Hour)
	fulcio := &root.FulcioCertificateAuthority{
		Root: s.root, Intermediates: []*x509.Certificate{s.inter},
		URI: "https://fulcio.localhost", ValidityPeriodStart: from, ValidityPeriodEnd: to,
	}
	// The ID is the raw key id (libraries.md gotcha a: not its hex).
	logs := map[string]*root.TransparencyLog{hex.EncodeToString(s.logID): {
		BaseURL: "https://rekor.localhost", ID: s.logID, ValidityPeriodStart: from,
		HashFunc: crypto.SHA256, PublicKey: s.rekorKey.Public(), SignatureHashFunc: crypto.SHA256,
	}}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, []root.CertificateAuthority{fulcio}, nil, s.vs.TimestampingAuthorities(), logs)
	if err != nil {
		return err
	}
	s.trustJSON, err = tr.MarshalJSON()
	return err
}

// TrustedRoot is this instance's trusted_root.json.
func (s *Sigstore) TrustedRoot() []byte { return s.trustJSON }

// Build describes the CI build a bundle attests to, as GitHub Actions
// would have it.
type Build struct {
	Repository   string // https://github.com/acme/widget
	Commit       string // 40 hex digits
	Ref          string // refs/heads/main
	WorkflowPath string // .github/workflows/release.yml
	Trigger      string // push
	Runner       string // github-hosted
}

// DefaultBuild is a build of repository from its main branch's release
// workflow.
func DefaultBuild(repository string) Build {
	return Build{Repository: repository, Commit: "0123456789abcdef0123456789abcdef01234567", Ref: "refs/heads/main",
		WorkflowPath: ".github/workflows/release.yml", Trigger: "push", Runner: "github-hosted"}
}

// Options change a bundle to make it wrong in one way, for the tests of
// refusals.
type Options struct {
	// SubjectName replaces the statement's subject name.
	SubjectName string
	// SubjectSHA512 replaces the subject's digest.
	SubjectSHA512 []byte
	// TamperSignature flips a bit of the DSSE signature after signing.
	TamperSignature bool
	// ExpiredCertificate makes the leaf certificate expire before the log
	// recorded the entry, so no timestamp falls within its validity.
	ExpiredCertificate bool
	// StatementRepository, if set, is the repository the predicate names
	// (the certificate still names Build.Repository).
	StatementRepository string
	// PredicateType replaces SLSA v1.
	PredicateType string
}

// Bundle makes the bundle for tarball published as name@version from b,
// as npm publish --provenance attaches it (bundle v0.3 JSON).
func (s *Sigstore) Bundle(name, version string, tarball []byte, b Build, o Options) ([]byte, error) {
	sum := sha512.Sum512(tarball)
	digest := sum[:]
	if o.SubjectSHA512 != nil {
		digest = o.SubjectSHA512
	}
	subject := provenance.PackageURL(core.PackageRef{Ecosystem: core.EcosystemNPM, Name: name}, version)
	if o.SubjectName != "" {
		subject = o.SubjectName
	}
	stmt, err := statement(subject, digest, b, o)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	notBefore := now.Add(-time.Minute)
	if o.ExpiredCertificate {
		notBefore = now.Add(-30 * time.Minute)
	}
	leaf, key, err := s.leaf(b, notBefore)
	if err != nil {
		return nil, err
	}
	signer, err := signature.LoadECDSASignerVerifier(key, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	es, err := dsse.NewEnvelopeSigner(&sigdsse.SignerAdapter{SignatureSigner: signer, Pub: &key.PublicKey})
	if err != nil {
		return nil, err
	}
	env, err := es.SignPayload(context.Background(), "application/vnd.in-toto+json", stmt)
	if err != nil {
		return nil, err
	}
	sig, err := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	if err != nil {
		return nil, err
	}
	entry, err := s.vs.GenerateTlogEntry(leaf, env, sig, now.Unix(), true)
	if err != nil {
		return nil, err
	}
	tle, err := s.logEntry(entry.TransparencyLogEntry().GetCanonicalizedBody(), now)
	if err != nil {
		return nil, err
	}
	if o.TamperSignature {
		sig[len(sig)/2] ^= 0x01
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return nil, err
	}
	pb := &protobundle.Bundle{
		MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content:     &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: leaf.Raw}},
			TlogEntries: []*protorekor.TransparencyLogEntry{tle},
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload: payload, PayloadType: env.PayloadType,
			Signatures: []*protodsse.Signature{{Sig: sig}},
		}},
	}
	raw, err := protojson.Marshal(pb)
	if err != nil {
		return nil, err
	}
	// protojson's spacing varies on purpose; npm sends JSON.stringify's
	// compact form, which this is.
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// statement is the in-toto statement npm makes in GitHub Actions.
func statement(subject string, digest []byte, b Build, o Options) ([]byte, error) {
	repo := b.Repository
	if o.StatementRepository != "" {
		repo = o.StatementRepository
	}
	pt := "https://slsa.dev/provenance/v1"
	if o.PredicateType != "" {
		pt = o.PredicateType
	}
	st := map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"name": subject, "digest": map[string]any{"sha512": hex.EncodeToString(digest)}}},
		"predicateType": pt,
		"predicate": map[string]any{
			"buildDefinition": map[string]any{
				"buildType": "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
				"externalParameters": map[string]any{
					"workflow": map[string]any{"ref": b.Ref, "repository": repo, "path": b.WorkflowPath},
				},
				"resolvedDependencies": []any{map[string]any{
					"uri": "git+" + repo + "@" + b.Ref, "digest": map[string]any{"gitCommit": b.Commit},
				}},
			},
			"runDetails": map[string]any{
				"builder":  map[string]any{"id": "https://github.com/actions/runner/" + b.Runner},
				"metadata": map[string]any{"invocationId": repo + "/actions/runs/1/attempts/1"},
			},
		},
	}
	return json.Marshal(st)
}

// Fulcio's certificate extension OIDs (1.3.6.1.4.1.57264.1.x).
func fulcioOID(n int) asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, n}
}

// leaf issues a Fulcio-like certificate for b's workflow, valid ten
// minutes from notBefore, with GitHub Actions' extensions.
func (s *Sigstore) leaf(b Build, notBefore time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	buildConfig := b.Repository + "/" + b.WorkflowPath + "@" + b.Ref
	san, err := url.Parse(buildConfig)
	if err != nil {
		return nil, nil, err
	}
	var exts []pkix.Extension
	for _, e := range []struct {
		n int
		v string
	}{
		{8, "https://token.actions.githubusercontent.com"},
		{9, buildConfig}, {10, b.Commit}, {11, b.Runner},
		{12, b.Repository}, {13, b.Commit}, {14, b.Ref},
		{18, buildConfig}, {19, b.Commit}, {20, b.Trigger},
		{21, b.Repository + "/actions/runs/1/attempts/1"},
	} {
		v, err := asn1.MarshalWithParams(e.v, "utf8")
		if err != nil {
			return nil, nil, err
		}
		exts = append(exts, pkix.Extension{Id: fulcioOID(e.n), Value: v})
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, URIs: []*url.URL{san},
		NotBefore: notBefore, NotAfter: notBefore.Add(10 * time.Minute),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: exts,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.inter, &key.PublicKey, s.interKey)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing the leaf: %w", err)
	}
	return cert, key, nil
}

// JSLength is JavaScript's String.length of s (UTF-16 code units): the
// "length" npm declares for the bundle attachment. A bundle's checkpoint
// holds an em dash, so it differs from len(s).
func JSLength(s string) int { return len(utf16.Encode([]rune(s))) }

// logEntry records body as the only entry of this instance's log: the
// entry with its signed entry timestamp (the inclusion promise) and an
// inclusion proof in a tree of one, with a checkpoint of that tree.
func (s *Sigstore) logEntry(body []byte, at time.Time) (*protorekor.TransparencyLogEntry, error) {
	signer, err := signature.LoadECDSASignerVerifier(s.rekorKey, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(tlog.RekorPayload{
		Body: base64.StdEncoding.EncodeToString(body), IntegratedTime: at.Unix(), LogIndex: 0, LogID: hex.EncodeToString(s.logID),
	})
	if err != nil {
		return nil, err
	}
	canonical, err := jsoncanonicalizer.Transform(payload)
	if err != nil {
		return nil, err
	}
	set, err := signer.SignMessage(bytes.NewReader(canonical))
	if err != nil {
		return nil, err
	}
	leaf := sha256.Sum256(append([]byte{0}, body...))
	checkpoint, err := util.CreateAndSignCheckpoint(context.Background(), "rekor.localhost", 1, 1, leaf[:], signer)
	if err != nil {
		return nil, err
	}
	return &protorekor.TransparencyLogEntry{
		LogIndex: 0, LogId: &protocommon.LogId{KeyId: s.logID},
		KindVersion:       &protorekor.KindVersion{Kind: "dsse", Version: "0.0.1"},
		IntegratedTime:    at.Unix(),
		InclusionPromise:  &protorekor.InclusionPromise{SignedEntryTimestamp: set},
		InclusionProof:    &protorekor.InclusionProof{LogIndex: 0, RootHash: leaf[:], TreeSize: 1, Checkpoint: &protorekor.Checkpoint{Envelope: string(checkpoint)}},
		CanonicalizedBody: body,
	}, nil
}
