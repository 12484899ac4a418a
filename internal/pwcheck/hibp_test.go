package pwcheck

import (
	"strings"
	"testing"
)

const suffix = "0018A45C4D1DEF81644B54AB7F969B88D65"

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       int
		wantErr    bool
	}{
		{"found", "00000000000000000000000000000000001:3\r\n" + suffix + ":42\r\n", 42, false},
		{"lower case", strings.ToLower(suffix) + ":7", 7, false},
		{"absent", "00000000000000000000000000000000001:3\n", 0, false},
		{"padding only", suffix + ":0\r\n", 0, false},
		{"empty", "", 0, false},
		{"trailing blank lines", suffix + ":5\r\n\r\n", 5, false},
		{"no colon", suffix + "\r\n", 0, true},
		{"short suffix", "ABC:1\r\n", 0, true},
		{"not hex", strings.Repeat("Z", 35) + ":1", 0, true},
		{"bad count", suffix + ":many", 0, true},
		{"negative count", suffix + ":-1", 0, true},
		{"html", "<html></html>", 0, true},
	} {
		got, err := parseRange([]byte(tc.body), suffix)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("%s: parseRange = %d, %v; want %d, error %v", tc.name, got, err, tc.want, tc.wantErr)
		}
		if err != nil && strings.Contains(strings.ToUpper(err.Error()), suffix) {
			t.Errorf("%s: error %q quotes the suffix", tc.name, err)
		}
	}
}

func FuzzParseRange(f *testing.F) {
	f.Add([]byte(suffix + ":42\r\n00000000000000000000000000000000001:0\r\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := parseRange(body, suffix)
		if err != nil && n != 0 {
			t.Fatalf("parseRange = %d with error %v", n, err)
		}
		if n < 0 {
			t.Fatalf("parseRange = %d", n)
		}
		if err != nil && strings.Contains(strings.ToUpper(err.Error()), suffix) {
			t.Fatalf("error %q quotes the suffix", err)
		}
	})
}

func TestTruncateRunes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abcdef", 3, "abc"},
		{"äöüß", 2, "äö"},
		{"a\xffb", 2, "a\xff"},
	} {
		if got := truncateRunes(tc.in, tc.n); got != tc.want {
			t.Errorf("truncateRunes(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
