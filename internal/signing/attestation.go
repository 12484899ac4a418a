package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/rampart/rampart/internal/core"
)

// The publish attestation: the registry's signed statement that it
// published this tarball as name@version. Its shape is npm's
// (https://github.com/npm/attestation/tree/main/specs/publish/v0.1), an
// in-toto statement in a DSSE envelope, carried in a Sigstore bundle;
// unlike npm's, the bundle is keyed (verificationMaterial.publicKey.hint
// is the registry key's id) and has no transparency-log entry, since the
// registry does not write to a public Rekor: `rampart verify` checks it
// against /-/npm/v1/keys, npm's `audit signatures` does not accept it
// (docs/signatures.md).
const (
	// PublishPredicate is npm's publish attestation predicate type.
	PublishPredicate = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1"
	// StatementType is the in-toto statement type.
	StatementType = "https://in-toto.io/Statement/v1"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
	// BundleMediaType is the Sigstore bundle's media type.
	BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
)

// Statement is an in-toto statement with npm's publish predicate.
type Statement struct {
	Type          string    `json:"_type"`
	Subject       []Subject `json:"subject"`
	PredicateType string    `json:"predicateType"`
	Predicate     Predicate `json:"predicate"`
}

// Subject is what a statement is about: the tarball, by purl and digest.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// Predicate is npm's publish predicate: which registry published which
// name@version.
type Predicate struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Registry string `json:"registry"`
}

// Bundle is the Sigstore bundle (JSON) of a keyed DSSE envelope.
type Bundle struct {
	MediaType            string               `json:"mediaType"`
	VerificationMaterial VerificationMaterial `json:"verificationMaterial"`
	DSSEEnvelope         Envelope             `json:"dsseEnvelope"`
}

// VerificationMaterial names the key that signed the envelope.
type VerificationMaterial struct {
	PublicKey struct {
		Hint string `json:"hint"`
	} `json:"publicKey"`
}

// Envelope is a DSSE envelope.
type Envelope struct {
	Payload     string         `json:"payload"` // base64
	PayloadType string         `json:"payloadType"`
	Signatures  []EnvelopeSign `json:"signatures"`
}

// EnvelopeSign is one signature of a DSSE envelope.
type EnvelopeSign struct {
	Sig   string `json:"sig"` // base64 DER ECDSA over PAE
	KeyID string `json:"keyid"`
}

// Entry is one element of the attestations endpoint's "attestations"
// list, as npm reads it.
type Entry struct {
	PredicateType string          `json:"predicateType"`
	Bundle        json.RawMessage `json:"bundle"`
}

// PURL is npm's package URL of name@version, as npm's attestations name
// their subject: "pkg:npm/%40scope/name@1.0.0".
func PURL(name, version string) string {
	if rest, ok := strings.CutPrefix(name, "@"); ok {
		name = "%40" + rest
	}
	return "pkg:npm/" + name + "@" + version
}

// pae is DSSE's pre-authentication encoding, what the envelope's
// signature signs.
func pae(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return b.Bytes()
}

// attest builds the publish attestation of name@version, whose tarball
// has the SHA-512 digest sha512Hex, signed with key (id keyID).
func attest(key *ecdsa.PrivateKey, keyID, registry, name, version, sha512Hex string) ([]byte, error) {
	st := Statement{
		Type:          StatementType,
		Subject:       []Subject{{Name: PURL(name, version), Digest: map[string]string{"sha512": sha512Hex}}},
		PredicateType: PublishPredicate,
		Predicate:     Predicate{Name: name, Version: version, Registry: registry},
	}
	payload, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(pae(PayloadType, payload))
	sig, err := key.Sign(nil, sum[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	b := Bundle{
		MediaType: BundleMediaType,
		DSSEEnvelope: Envelope{
			Payload: base64.StdEncoding.EncodeToString(payload), PayloadType: PayloadType,
			Signatures: []EnvelopeSign{{Sig: base64.StdEncoding.EncodeToString(sig), KeyID: keyID}},
		},
	}
	b.VerificationMaterial.PublicKey.Hint = keyID
	return json.Marshal(b)
}

// VerifyAttestation checks a publish attestation bundle against the
// registry's keys: the envelope's signature with the key it names, and
// that its statement is npm's publish predicate about name@version with
// the tarball's SHA-512 (hex). It returns the statement.
func VerifyAttestation(keys []core.SigningKey, name, version, sha512Hex string, bundle []byte) (*Statement, error) {
	var b Bundle
	if err := json.Unmarshal(bundle, &b); err != nil {
		return nil, fmt.Errorf("publish attestation of %s@%s: %w", name, version, err)
	}
	env := b.DSSEEnvelope
	if env.PayloadType != PayloadType || len(env.Signatures) != 1 {
		return nil, fmt.Errorf("publish attestation of %s@%s: want one signature over an in-toto statement", name, version)
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("publish attestation of %s@%s: payload: %w", name, version, err)
	}
	k, err := keyByID(keys, env.Signatures[0].KeyID)
	if err != nil {
		return nil, err
	}
	pub, err := PublicKey(k.Public)
	if err != nil {
		return nil, err
	}
	der, err := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	sum := sha256.Sum256(pae(env.PayloadType, payload))
	if err != nil || !ecdsa.VerifyASN1(pub, sum[:], der) {
		return nil, fmt.Errorf("publish attestation of %s@%s: %w", name, version, ErrBadSignature)
	}
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("publish attestation of %s@%s: statement: %w", name, version, err)
	}
	if st.Type != StatementType || st.PredicateType != PublishPredicate || len(st.Subject) != 1 ||
		st.Subject[0].Name != PURL(name, version) || st.Subject[0].Digest["sha512"] != sha512Hex ||
		st.Predicate.Name != name || st.Predicate.Version != version {
		return nil, fmt.Errorf("publish attestation of %s@%s: the statement is about something else (%s)", name, version, payload)
	}
	return &st, nil
}
