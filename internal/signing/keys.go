// Package signing is the registry's signatures (PRINCIPLES BEY-d): an
// ECDSA P-256 keyring, the signature of every version over npm's message
// "<name>@<version>:<integrity>" (npm's dist.signatures), a keyed publish
// attestation per version (npm's publish predicate in a DSSE-signed
// in-toto statement), key rotation, and the offline verifier that
// `rampart verify` and the tests use.
//
// The private keys live in files (the data folder's signing/ folder, one
// PEM file per key named by its id, owner-only; or one file the operator
// names in [signing] key_file) and never in the metadata store, which
// holds only the public keys with their validity and what was signed of
// each version. A key id names one key forever: a retired key is never
// current again.
package signing

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeyType and Scheme are npm's names for ECDSA P-256 with SHA-256, the
// only kind of key npm verifies.
const (
	KeyType = "ecdsa-sha2-nistp256"
	Scheme  = "ecdsa-sha2-nistp256"
)

// KeyID names a public key (its SubjectPublicKeyInfo, DER) the way npm
// names its registry keys: "SHA256:" and the unpadded base64 of its
// SHA-256.
func KeyID(spki []byte) string {
	sum := sha256.Sum256(spki)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// fileName is the name of the file holding the private key of keyID in
// the signing folder: its digest in hex, so that the name holds no "/"
// or "+".
func fileName(keyID string) (string, error) {
	b64, ok := strings.CutPrefix(keyID, "SHA256:")
	sum, err := base64.RawStdEncoding.DecodeString(b64)
	if !ok || err != nil || len(sum) != sha256.Size {
		return "", fmt.Errorf("signing key id %q is not SHA256:<base64 of a digest>", keyID)
	}
	return hex.EncodeToString(sum) + ".pem", nil
}

// newKey makes a P-256 key and writes it to dir, readable by its owner
// only, under its id; it returns the key and its id.
func newKey(dir string) (*ecdsa.PrivateKey, string, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, "", err
	}
	spki, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return nil, "", err
	}
	id := KeyID(spki)
	name, err := fileName(id)
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("creating the signing key folder: %w", err)
	}
	// A new file, never an existing one: a key file, once written, is
	// never replaced.
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("writing the new signing key: %w", err)
	}
	err = pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, "", fmt.Errorf("writing the new signing key: %w", err)
	}
	return k, id, nil
}

// readKey reads a P-256 private key from a PEM file (PKCS#8 "PRIVATE
// KEY", or SEC 1 "EC PRIVATE KEY" as `openssl ecparam -genkey` writes
// it), refusing a file that others than its owner may read.
func readKey(path string) (*ecdsa.PrivateKey, string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, "", fmt.Errorf("signing key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, "", fmt.Errorf("signing key %s may be read by others than its owner (mode %v): chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("signing key: %w", err)
	}
	k, err := parseKey(b)
	if err != nil {
		return nil, "", fmt.Errorf("signing key %s: %w", path, err)
	}
	spki, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return nil, "", err
	}
	return k, KeyID(spki), nil
}

func parseKey(b []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block: want an ECDSA P-256 private key in PEM (PKCS#8 \"PRIVATE KEY\" or \"EC PRIVATE KEY\")")
	}
	var k any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("a PEM %q block: want an ECDSA P-256 private key (PKCS#8 \"PRIVATE KEY\" or \"EC PRIVATE KEY\")", block.Type)
	}
	if err != nil {
		return nil, err
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, errors.New("not an ECDSA P-256 key: npm verifies only ecdsa-sha2-nistp256")
	}
	return ek, nil
}

// PublicKey parses a key's SubjectPublicKeyInfo (DER) as npm's keys
// carry it, base64 in the "key" field.
func PublicKey(spki []byte) (*ecdsa.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(spki)
	if err != nil {
		return nil, err
	}
	ek, ok := k.(*ecdsa.PublicKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, errors.New("not an ECDSA P-256 public key")
	}
	return ek, nil
}
