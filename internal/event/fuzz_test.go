package event

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

// FuzzDecode: whatever Decode accepts, Encode writes back byte for byte
// (decoding accepts exactly what encoding produces).
func FuzzDecode(f *testing.F) {
	for i, typ := range Types() {
		pub, per := Encode(filled(typ, []string{"a", "é\n"}, 3, time.UnixMilli(1_700_000_000_123).UTC()))
		f.Add(uint(i), pub, per)
	}
	f.Add(uint(0), []byte(`{"admin":false,"user":"\u0041"}`), []byte(nil))
	f.Fuzz(func(t *testing.T, i uint, public, personal []byte) {
		types := Types()
		typ := types[i%uint(len(types))]
		p, err := Decode(typ, Schema(typ), public, personal)
		if err != nil {
			return
		}
		pub, per := Encode(p)
		if !bytes.Equal(pub, public) || !bytes.Equal(per, personal) {
			t.Fatalf("%s: decoded %q | %q, encodes to %q | %q", typ, public, personal, pub, per)
		}
	})
}

// FuzzEncode: encoding is deterministic and decode(encode(p)) == p for
// every payload in canonical form (valid UTF-8, UTC millisecond times in
// years 1..9999, nil or non-empty lists).
func FuzzEncode(f *testing.F) {
	f.Add(uint(0), "alice", "x\x00\"\\\u2028", int64(7), int64(1_700_000_000_123))
	f.Add(uint(5), "\xff\xfe", "", int64(-1), int64(0))
	f.Fuzz(func(t *testing.T, i uint, s1, s2 string, n, ms int64) {
		types := Types()
		typ := types[i%uint(len(types))]
		const first, span = -62135596800000, 253402300800000 + 62135596800000 // 0001-01-01 .. 9999-12-31
		ms = first + ((ms%span)+span)%span
		at := time.UnixMilli(ms).UTC()
		valid := func(s string) string { return string([]rune(s)) } // as encoding replaces invalid bytes
		p := filled(typ, []string{valid(s1), valid(s2)}, n, at)
		pub, per := Encode(p)
		pub2, per2 := Encode(p)
		if !bytes.Equal(pub, pub2) || !bytes.Equal(per, per2) {
			t.Fatalf("%s: encoding is not deterministic", typ)
		}
		got, err := Decode(typ, Schema(typ), pub, per)
		if err != nil {
			t.Fatalf("%s: Decode(%q, %q): %v", typ, pub, per, err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Fatalf("%s: decoded %#v, want %#v", typ, got, p)
		}
	})
}
