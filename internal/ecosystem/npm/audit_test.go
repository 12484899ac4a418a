package npm

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

func TestParseAuditRequest(t *testing.T) {
	got, err := ParseAuditRequest(strings.NewReader(` {"left-pad":["1.3.0"],"@acme/widget":["1.0.0","2.0.0"],"left-pad":["1.2.0"]} `))
	if err != nil {
		t.Fatal(err)
	}
	want := AuditRequest{"left-pad": {"1.3.0", "1.2.0"}, "@acme/widget": {"1.0.0", "2.0.0"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}

	many := func(n int, f func(i int) string) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(f(i))
		}
		return b.String()
	}
	for _, c := range []struct {
		in   string
		kind core.Kind
		msg  string
	}{
		{`[]`, core.KindInvalid, "must be a JSON object"},
		{`{"a":"1"}`, core.KindInvalid, `versions of "a" must be a JSON array`},
		{`{"a":[1]}`, core.KindInvalid, "expected a version as a JSON string"},
		{`{"a":["1"]`, core.KindInvalid, "ends early"},
		{`{"a":["1"]} {}`, core.KindInvalid, "more follows"},
		{`{"a":["1"}`, core.KindInvalid, "invalid JSON"},
		{`{"` + strings.Repeat("n", limits.MaxNameLength+1) + `":[]}`, core.KindInvalid, "longer than 214 characters"},
		{`{"a":["` + strings.Repeat("1", MaxVersionLength+1) + `"]}`, core.KindInvalid, "longer than 256 characters"},
		{"{" + many(MaxAuditPackages+1, func(i int) string { return fmt.Sprintf(`"p%d":[]`, i) }) + "}", core.KindTooLarge, "more than 20000 packages"},
		{`{"a":[` + many(MaxAuditVersions+1, func(int) string { return `"1"` }) + `]}`, core.KindTooLarge, "more than 50000 versions"},
	} {
		_, err := ParseAuditRequest(strings.NewReader(c.in))
		if core.KindOf(err) != c.kind || !strings.Contains(core.Message(err), c.msg) {
			t.Errorf("%.60s: got %v (%v), want %v with %q", c.in, err, core.KindOf(err), c.kind, c.msg)
		}
	}
}

func TestAuditLimitReader(t *testing.T) {
	exact := append(append([]byte(`{"a":[]`), bytes.Repeat([]byte(" "), MaxAuditBytes-8)...), '}')
	if _, err := ParseAuditRequest(AuditLimitReader(bytes.NewReader(exact))); err != nil {
		t.Fatalf("a request of exactly MaxAuditBytes: %v", err)
	}
	over := append([]byte{' '}, exact...)
	_, err := ParseAuditRequest(AuditLimitReader(bytes.NewReader(over)))
	if core.KindOf(err) != core.KindTooLarge || !strings.Contains(core.Message(err), "larger than 4 MiB once gzip is undone") {
		t.Fatalf("one byte over MaxAuditBytes: got %v", err)
	}
}

func FuzzParseAuditRequest(f *testing.F) {
	f.Add([]byte(`{"left-pad":["1.3.0"],"@acme/widget":["1.0.0","2.0.0"]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"a":[1]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := ParseAuditRequest(AuditLimitReader(bytes.NewReader(b)))
		checkResult(t, req != nil, err)
	})
}
