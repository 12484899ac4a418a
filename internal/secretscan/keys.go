package secretscan

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/quote"
)

// Fetch gets the body of the key list at url, within
// limits.MaxScanKeysBytes and limits.ScanKeysTimeout. It is the network
// peer the composition root injects (internal/scanapi.FetchKeys over HTTP).
type Fetch func(ctx context.Context, url string) ([]byte, error)

// keyList is a scanner's key list as GitHub serves it at
// https://api.github.com/meta/public_keys/secret_scanning.
type keyList struct {
	PublicKeys []struct {
		KeyIdentifier string `json:"key_identifier"`
		Key           string `json:"key"`
		IsCurrent     bool   `json:"is_current"`
	} `json:"public_keys"`
}

// parseKeys reads a key list: every listed key, current or not (a report
// signed just before a rotation still verifies), each a PEM "PUBLIC KEY"
// holding an ECDSA P-256 key. A list with a key of another kind, or none
// at all, is refused whole: it is not what the scanner publishes.
func parseKeys(b []byte) (map[string]*ecdsa.PublicKey, error) {
	var l keyList
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&l); err != nil {
		return nil, fmt.Errorf("the key list is not JSON of the form {\"public_keys\": [...]}: %w", err)
	}
	if len(l.PublicKeys) == 0 {
		return nil, fmt.Errorf("the key list holds no keys")
	}
	if len(l.PublicKeys) > limits.MaxScanKeys {
		return nil, fmt.Errorf("the key list holds %d keys, more than %d", len(l.PublicKeys), limits.MaxScanKeys)
	}
	keys := make(map[string]*ecdsa.PublicKey, len(l.PublicKeys))
	for _, k := range l.PublicKeys {
		if k.KeyIdentifier == "" {
			return nil, fmt.Errorf("a key in the list has no key_identifier")
		}
		blk, _ := pem.Decode([]byte(k.Key))
		if blk == nil || blk.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("key %s is not a PEM public key", quote.Untrusted(k.KeyIdentifier))
		}
		pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", quote.Untrusted(k.KeyIdentifier), err)
		}
		ec, ok := pub.(*ecdsa.PublicKey)
		if !ok || ec.Curve != elliptic.P256() {
			return nil, fmt.Errorf("key %s is not an ECDSA P-256 key", quote.Untrusted(k.KeyIdentifier))
		}
		keys[k.KeyIdentifier] = ec
	}
	return keys, nil
}

// keyring is one scanner's keys, fetched from its URL when first needed,
// again once they are ScanKeysMaxAge old, and again when a report names a
// key not among them (a rotation), but never more often than
// ScanKeysRefetchInterval: a forged report naming made-up keys costs the
// scanner's key server at most one request a minute.
type keyring struct {
	url   string
	fetch Fetch

	mu        sync.Mutex
	keys      map[string]*ecdsa.PublicKey
	fetchedAt time.Time // of the keys held
	triedAt   time.Time // the last fetch, successful or not
}

// key returns the key named id.
func (k *keyring) key(ctx context.Context, scanner, id string, now time.Time) (*ecdsa.PublicKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	pub, known := k.keys[id]
	fresh := k.keys != nil && now.Sub(k.fetchedAt) < limits.ScanKeysMaxAge
	if known && fresh {
		return pub, nil
	}
	if !k.triedAt.IsZero() && now.Sub(k.triedAt) < limits.ScanKeysRefetchInterval {
		if known {
			return pub, nil // stale, but the list cannot be fetched again yet
		}
		return nil, unknownKey(scanner, id)
	}
	k.triedAt = now
	fctx, cancel := context.WithTimeout(ctx, limits.ScanKeysTimeout)
	defer cancel()
	b, err := k.fetch(fctx, k.url)
	if err == nil {
		var keys map[string]*ecdsa.PublicKey
		if keys, err = parseKeys(b); err == nil {
			k.keys, k.fetchedAt = keys, now
			if pub, ok := keys[id]; ok {
				return pub, nil
			}
			return nil, unknownKey(scanner, id)
		}
	}
	if known {
		return pub, nil // the scanner's key server is down: keep trusting what it said
	}
	return nil, fmt.Errorf("fetching the public keys of secret scanner %s from %s: %w", scanner, k.url, err)
}

func unknownKey(scanner, id string) error {
	return core.Errorf(core.KindUnauthenticated,
		"key %s is not among the public keys of secret scanner %s: the report cannot be verified",
		quote.Untrusted(id), scanner)
}

// verify checks sig (base64 of an ASN.1 DER ECDSA signature, as in
// Github-Public-Key-Signature) over the SHA-256 of body.
func verify(pub *ecdsa.PublicKey, body []byte, sig string) error {
	der, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return core.Errorf(core.KindUnauthenticated, "the report's signature is not base64")
	}
	sum := sha256.Sum256(body)
	if !ecdsa.VerifyASN1(pub, sum[:], der) {
		return core.Errorf(core.KindUnauthenticated, "the report's signature does not verify with the key it names: the body was changed, or it was not signed by the scanner")
	}
	return nil
}
