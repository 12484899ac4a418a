package emaildomain_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/emaildomain"
	"github.com/rampart/rampart/internal/testpeers/rdapd"
)

// TestRegistrationDateAgainstVerification (review item 20): Check reports
// when the domain's current registration began (the latest registration
// or reregistration event over RDAP), and VerifiedAt judges a domain
// registered after the address was verified abandoned, with the dates in
// the reason. A registration before the verification, or none known,
// changes nothing.
func TestRegistrationDateAgainstVerification(t *testing.T) {
	p := startPeers(t)
	reRegistered := now.AddDate(0, 0, -3)
	p.rdap.Set("healthy.test", rdapd.Domain{Statuses: []string{"active"}, Events: []rdapd.Event{
		{Action: "registration", Date: now.AddDate(-9, 0, 0)},
		{Action: "reregistration", Date: reRegistered},
		{Action: "expiration", Date: now.AddDate(1, 0, 0)},
	}})
	c := p.checker(t)
	res := c.Check(context.Background(), "healthy.test")
	if res.Status != emaildomain.OK || !res.RegisteredAt.Equal(reRegistered.Truncate(time.Second)) {
		t.Fatalf("Check = %+v, want OK registered at %s", res, reRegistered)
	}

	verifiedBefore := now.AddDate(-1, 0, 0)
	got := res.VerifiedAt(verifiedBefore)
	if got.Status != emaildomain.Abandoned {
		t.Fatalf("verified a year before the domain was registered again: %+v, want abandoned", got)
	}
	want := "the domain was registered again on " + reRegistered.UTC().Format(time.DateOnly) + ", after the address was verified on " + verifiedBefore.UTC().Format(time.DateOnly)
	if len(got.Reasons) != 1 || !strings.Contains(got.Reasons[0], want) {
		t.Errorf("reasons %q, want %q", got.Reasons, want)
	}
	if res.Status != emaildomain.OK || len(res.Reasons) != 0 {
		t.Errorf("VerifiedAt changed the result it was called on: %+v", res)
	}

	for name, verified := range map[string]time.Time{"after the registration": now.AddDate(0, 0, -1), "unknown": {}} {
		if got := res.VerifiedAt(verified); got.Status != emaildomain.OK {
			t.Errorf("verified %s: %+v, want OK", name, got)
		}
	}
	// A registry that gives no registration date changes nothing.
	p.rdap.Set("healthy.test", rdapd.Domain{Statuses: []string{"active"}})
	if res := c.Check(context.Background(), "healthy.test"); !res.RegisteredAt.IsZero() || res.VerifiedAt(verifiedBefore).Status != emaildomain.OK {
		t.Errorf("no registration event: %+v, want no date and OK", res)
	}
}
