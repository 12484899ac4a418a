package reportapi

import (
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
)

type sample struct {
	Package string `json:"package"`
	Reason  string `json:"reason"`
	Nested  any    `json:"nested"`
}

func TestDecodeStrict(t *testing.T) {
	for _, c := range []struct {
		body, wantErr string
	}{
		{`{"package":"a","reason":"spam"}`, ""},
		{`{"package":"a","nested":{"package":"x","reason":"y"},"reason":"spam"}`, ""},
		{`{"package":"a","nested":[{"k":1},{"k":2}],"reason":"spam"}`, ""},
		{`{"package":"a","package":"b"}`, `the key "package" appears twice`},
		{`{"package":"a","nested":{"k":1,"k":2}}`, `the key "k" appears twice`},
		{`{"package":"a","nested":[{"k":1,"k":2}]}`, `the key "k" appears twice`},
		{`{"package":"a","reasn":"spam"}`, `unknown field`},
		{`{"package":"a"} {}`, "something follows"},
		{`{"package":1}`, "must not be a JSON number"},
		{`{"package":`, "malformed"},
		{``, "no JSON body"},
	} {
		var v sample
		err := decodeStrict([]byte(c.body), &v)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.body, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr) || core.KindOf(err) != core.KindInvalid):
			t.Errorf("%s: %v, want an invalid-request error with %q", c.body, err, c.wantErr)
		}
	}
}

func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{`{"package":"a","reason":"spam"}`, `{"a":{"b":[1,{"c":2}]}}`, `{"package":"a","package":"b"}`, `[`, `{"nested":[[],{}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v sample
		if err := decodeStrict(body, &v); err != nil && core.KindOf(err) != core.KindInvalid {
			t.Fatalf("%q: %v is not an invalid-request error", body, err)
		}
	})
}
