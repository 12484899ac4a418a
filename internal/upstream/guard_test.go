package upstream

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// The negative cache holds at most MaxUpstreamNegativeNames names,
// forgetting the oldest, and each only until its expiry.
func TestNegativeCacheBounded(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var n negative
	for i := 0; i < limits.MaxUpstreamNegativeNames+10; i++ {
		n.add(fmt.Sprint(i), now.Add(time.Minute))
	}
	if len(n.until) != limits.MaxUpstreamNegativeNames {
		t.Fatalf("the cache holds %d names, want %d", len(n.until), limits.MaxUpstreamNegativeNames)
	}
	if n.missing("0", now) || n.missing("9", now) || !n.missing("10", now) || !n.missing(fmt.Sprint(limits.MaxUpstreamNegativeNames+9), now) {
		t.Fatal("the oldest names were not the ones forgotten")
	}
	if n.missing("10", now.Add(time.Minute)) {
		t.Fatal("a name is still missing after its expiry")
	}
	if len(n.order) > 2*len(n.until)+1024 {
		t.Fatalf("the order list grew to %d for %d names", len(n.order), len(n.until))
	}
}

// One client address gets client_fetch_burst upstream requests, then a
// 429 until the period passes; other addresses and the registry's own
// requests are not limited by it.
func TestClientFetchLimit(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	s, _ := newProxy(t, config.Upstream{Name: "pub", Packages: []string{"*"}, ClientFetchBurst: 3, ClientFetchEvery: config.Duration{Duration: time.Hour}}, &now)
	u := s.For("x")
	alice := WithClient(t.Context(), netip.MustParseAddr("192.0.2.1"))
	ask := func(ctx context.Context, name string) error {
		_, err := s.Packument(ctx, u, name)
		return err
	}
	for i := 0; i < 3; i++ {
		if err := ask(alice, fmt.Sprint("made-up-", i)); core.KindOf(err) != core.KindNotFound {
			t.Fatalf("made-up name %d: %v, want not found", i, err)
		}
	}
	// Asked again: the negative cache answers, nothing is counted.
	if err := ask(alice, "made-up-0"); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("a known-missing name: %v", err)
	}
	err := ask(alice, "made-up-3")
	if core.KindOf(err) != core.KindRateLimited {
		t.Fatalf("a 4th new name: %v, want rate limited", err)
	}
	if err := ask(WithClient(t.Context(), netip.MustParseAddr("192.0.2.2")), "made-up-3"); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("another address: %v, want not found", err)
	}
	if err := ask(t.Context(), "made-up-4"); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("the registry's own request: %v, want not found", err)
	}
	now = now.Add(time.Hour)
	if err := ask(alice, "made-up-5"); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("after a period: %v, want not found", err)
	}
}
