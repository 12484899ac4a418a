package webkit

import (
	"strings"
	"testing"
)

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/":                             "/",
		"/package/@acme/w":              "/package/@acme/w",
		"/search?q=a&from=20":           "/search?q=a&from=20",
		"/~alice#x":                     "/~alice#x",
		"":                              "/",
		"//evil.example":                "/",
		"///evil.example":               "/",
		`/\evil.example`:                "/",
		`\\evil.example`:                "/",
		"/\t/evil.example":              "/",
		"/\r\n/evil.example":            "/",
		"https://evil.example":          "/",
		"javascript:alert(1)":           "/",
		"evil.example":                  "/",
		"/" + strings.Repeat("a", 3000): "/",
	} {
		if got := SafeNext(next); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestFormatCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := FormatCount(n); got != want {
			t.Errorf("FormatCount(%d) = %q, want %q", n, got, want)
		}
	}
}
