package provenance

import (
	_ "embed"
	"fmt"
	"os"
)

// publicGoodRoot is Sigstore's public-good trusted root (Fulcio, Rekor,
// the CT logs and the timestamp authority that sign npmjs.com's
// provenance), as the Sigstore TUF repository published it. It is used
// when the operator names no file; an operator refreshes it by replacing
// the file named in the configuration (docs/provenance.md).
//
//go:embed trusted_root_public_good.json
var publicGoodRoot []byte

// PublicGoodRoot returns the trusted root shipped in the binary.
func PublicGoodRoot() []byte { return publicGoodRoot }

// LoadVerifier returns a verifier for the trusted root in the file at
// path, or the public-good root shipped in the binary if path is "". The
// file is read once: a replaced file takes effect at the next start.
func LoadVerifier(path string) (*Verifier, error) {
	if path == "" {
		return NewVerifier(publicGoodRoot)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the Sigstore trusted root: %w", err)
	}
	v, err := NewVerifier(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
