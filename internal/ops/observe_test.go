package ops

import (
	"strings"
	"testing"
)

// TestRequestIDIsBoundedAndPlain: a client's id is kept only if it can go
// into a log line and a header as it is; anything else gets a fresh one.
func TestRequestIDIsBoundedAndPlain(t *testing.T) {
	for _, keep := range []string{"abc", "lb-7f3a:42", "0f1e2d3c.4b5a_69", strings.Repeat("x", 64)} {
		if got := requestID(keep); got != keep {
			t.Errorf("requestID(%q) = %q, want it kept", keep, got)
		}
	}
	for _, bad := range []string{"", strings.Repeat("x", 65), "a b", "a\"b", "a\nlevel=ERROR", "é", "a=b"} {
		got := requestID(bad)
		if got == bad || len(got) != 16 || strings.Trim(got, "0123456789abcdef") != "" {
			t.Errorf("requestID(%q) = %q, want 16 fresh hex digits", bad, got)
		}
	}
	if a, b := requestID(""), requestID(""); a == b {
		t.Error("two fresh ids are equal")
	}
}
