package emaildomain

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestRegisteredDomain(t *testing.T) {
	for in, want := range map[string]string{
		"example.com":          "example.com",
		"mail.example.com":     "example.com",
		"a.b.mail.example.com": "example.com",
		"mail.example.co.uk":   "example.co.uk",
		"alice.github.io":      "github.io", // a private suffix is no registry
		"mail.healthy.test":    "healthy.test",
		"co.uk":                "co.uk",
	} {
		if got := registeredDomain(in); got != want {
			t.Errorf("registeredDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLapsed(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		json string
		want int // number of reasons
	}{
		{`{"objectClassName":"domain","status":["active"]}`, 0},
		{`{"objectClassName":"domain","status":["inactive"]}`, 0},
		{`{"objectClassName":"domain","status":["pendingDelete"]}`, 1},
		{`{"objectClassName":"domain","status":["Redemption Period","pending delete"]}`, 2},
		{`{"objectClassName":"domain","events":[{"eventAction":"expiration","eventDate":"2029-12-31T23:59:59Z"}]}`, 1},
		{`{"objectClassName":"domain","events":[{"eventAction":"expiration","eventDate":"2030-01-01T00:00:01Z"}]}`, 0},
		{`{"objectClassName":"domain","events":[{"eventAction":"expiration","eventDate":"last year"}]}`, 0},
		{`{"objectClassName":"domain","events":[{"eventAction":"registration","eventDate":"2001-01-01T00:00:00Z"}]}`, 0},
	} {
		var obj domainObject
		if err := json.Unmarshal([]byte(tc.json), &obj); err != nil {
			t.Fatal(err)
		}
		if got := lapsed(&obj, now); len(got) != tc.want {
			t.Errorf("lapsed(%s) = %q, want %d reasons", tc.json, got, tc.want)
		}
	}
}

// FuzzDomainObject feeds untrusted RDAP bytes through the same decoding
// and judgement fetchDomain and checkRDAP use.
func FuzzDomainObject(f *testing.F) {
	f.Add([]byte(`{"objectClassName":"domain","status":["pending delete"],"events":[{"eventAction":"expiration","eventDate":"2020-01-01T00:00:00Z"}]}`))
	f.Add([]byte(`{"services":[[["test"],["https://rdap.test/"]]]}`))
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		var obj domainObject
		if json.Unmarshal(b, &obj) == nil {
			for _, r := range lapsed(&obj, now) {
				if r == "" {
					t.Fatal("empty reason")
				}
			}
		}
		var file struct {
			Services [][][]string `json:"services"`
		}
		_ = json.Unmarshal(b, &file)
	})
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"example.com", "Bücher.example.", "xn--bcher-kva.example", "[::1]", "a..b", "ＥＸＡＭＰＬＥ.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Normalize(s)
		if err != nil {
			return
		}
		if len(got) > 253 || strings.ToLower(got) != got || !strings.Contains(got, ".") {
			t.Fatalf("Normalize(%q) = %q", s, got)
		}
		for i := 0; i < len(got); i++ {
			if got[i] >= 0x80 {
				t.Fatalf("Normalize(%q) = %q, not ASCII", s, got)
			}
		}
		again, err := Normalize(got)
		if err != nil || again != got {
			t.Fatalf("Normalize is not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}
