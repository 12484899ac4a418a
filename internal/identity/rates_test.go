package identity

import (
	"testing"

	"github.com/rampart/rampart/internal/throttle"
)

// When the limit on reset mail to one address refuses, the newest link
// mailed to it was mailed less than a period ago, so it must still work:
// the refusal says so.
func TestResetEmailRateWithinLinkLifetime(t *testing.T) {
	if throttle.ResetEmailRate.Every > ResetLinkLifetime {
		t.Fatalf("ResetEmailRate.Every = %v is longer than ResetLinkLifetime = %v", throttle.ResetEmailRate.Every, ResetLinkLifetime)
	}
}
