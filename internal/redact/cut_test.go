package redact_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/redact"
)

// A URL of 100 KiB is logged as its first MaxLoggedBytes, marked as cut.
func TestURLIsCutForTheLog(t *testing.T) {
	long := strings.Repeat("é", 50<<10)
	u := &url.URL{Path: "/-/v1/search", RawQuery: "text=" + long}
	got := redact.URL(u)
	if len(got) > limits.MaxLoggedBytes+32 {
		t.Fatalf("URL of %d bytes logged as %d bytes", len(u.String()), len(got))
	}
	if !strings.HasPrefix(got, "/-/v1/search?text=é") || !strings.HasSuffix(got, "…(102418 bytes)") {
		t.Fatalf("got %.80q…%q", got, got[len(got)-20:])
	}
	if !strings.ContainsRune(got[:len(got)-len("…(102418 bytes)")], 'é') || strings.ContainsRune(got, '\uFFFD') {
		t.Fatal("cut inside a character")
	}
	if short := redact.Cut("npm-command"); short != "npm-command" {
		t.Fatalf("Cut changed a short value: %q", short)
	}
}
