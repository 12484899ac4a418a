// Package signingtest gives tests a fixed registry signing key, so that
// what they sign with it (deterministic ECDSA, RFC 6979) is the same
// bytes on every run: golden files can show dist.signatures.
package signingtest

import (
	"os"
	"path/filepath"
	"testing"
)

// KeyPEM is a P-256 private key for tests only; never use it elsewhere.
const KeyPEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgc4NK7JF0kdFJ4BTz
Saj2gAAKJKN40MLFjZSdQ3k+vPqhRANCAASPvTAxGUvqX4bRS4IcWRdns64HmmBM
FUphz1kJmLRgelYfI3z9tsz5bW27ErkdpA07F8IBJa27Js6yaRTTTnpE
-----END PRIVATE KEY-----
`

// KeyFile writes KeyPEM to a file of its own, readable by its owner
// only, for [signing] key_file, and returns its path.
func KeyFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "signing-key.pem")
	if err := os.WriteFile(path, []byte(KeyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
