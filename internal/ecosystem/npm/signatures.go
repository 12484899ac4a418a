package npm

import (
	"encoding/base64"
	"encoding/json"

	"github.com/rampart/rampart/internal/core"
)

// Registry signatures as npm reads them (npm-protocol.md §8).

// putSignatures sets a version's dist.signatures, npm's
// [{"keyid": ..., "sig": ...}], when the registry signed it. A signature
// the publisher sent in its own dist was dropped with the rest of its
// dist: only the registry's are served.
func putSignatures(dist map[string]any, sigs []core.Signature) {
	delete(dist, "signatures")
	if len(sigs) == 0 {
		return
	}
	out := make([]map[string]any, 0, len(sigs))
	for _, s := range sigs {
		out = append(out, map[string]any{"keyid": s.KeyID, "sig": s.Sig})
	}
	dist["signatures"] = out
}

// Key is one key of GET /-/npm/v1/keys.
type Key struct {
	Expires *string `json:"expires"` // RFC 3339, null for the current key
	KeyID   string  `json:"keyid"`
	KeyType string  `json:"keytype"`
	Scheme  string  `json:"scheme"`
	Key     string  `json:"key"` // base64 of the SubjectPublicKeyInfo, DER
}

// KeysDocument is the body of GET /-/npm/v1/keys: every key the registry
// ever signed with, the retired ones with their expiry, which npm
// compares with a version's publish time.
func KeysDocument(keys []core.SigningKey) ([]byte, error) {
	doc := struct {
		Keys []Key `json:"keys"`
	}{Keys: make([]Key, 0, len(keys))}
	for _, k := range keys {
		var expires *string
		if !k.Expires.IsZero() {
			e := DocTime(k.Expires)
			expires = &e
		}
		doc.Keys = append(doc.Keys, Key{Expires: expires, KeyID: k.KeyID, KeyType: "ecdsa-sha2-nistp256", Scheme: "ecdsa-sha2-nistp256",
			Key: base64.StdEncoding.EncodeToString(k.Public)})
	}
	return json.Marshal(doc)
}
