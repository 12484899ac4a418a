package secretscan

import (
	"context"
	"testing"

	"github.com/rampart/rampart/internal/core"
)

// FuzzParseKeys: a key list from the network never panics, and what it
// accepts holds only P-256 keys with ids.
func FuzzParseKeys(f *testing.F) {
	ks := &keyServer{}
	ks.add(f, "k1")
	b, _ := ks.fetch(context.Background(), "")
	f.Add(b)
	f.Add([]byte(`{"public_keys":[{"key_identifier":"a","key":"-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, err := parseKeys(b)
		if err != nil {
			return
		}
		for id, k := range keys {
			if id == "" || k == nil || k.Curve.Params().Name != "P-256" {
				t.Fatalf("accepted key %q: %v", id, k)
			}
		}
	})
}

// FuzzDecodeReport: a verified report's body never panics the decoder, and
// a refusal is a client error.
func FuzzDecodeReport(f *testing.F) {
	f.Add([]byte(`[{"token":"rmp_x","type":"t","url":"u","source":"s"}]`))
	f.Add([]byte(`[] x`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, err := decodeReport(b)
		if err != nil {
			if k := core.KindOf(err); k != core.KindInvalid && k != core.KindTooLarge {
				t.Fatalf("refusal of kind %v: %v", k, err)
			}
			return
		}
		if len(ms) > 1000 {
			t.Fatalf("%d matches accepted", len(ms))
		}
	})
}
