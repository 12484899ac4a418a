package throttle

import (
	"net/netip"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
)

func TestSourceKey(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
	} {
		if got := SourceKey(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("SourceKey(%s) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

func TestLeak(t *testing.T) {
	r := Rate{Burst: 3, Every: 10 * time.Minute}
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		in         core.Throttle
		now        time.Time
		wantLevel  int
		wantAnchor time.Time
	}{
		{"empty", core.Throttle{}, t0, 0, t0},
		{"within the period", core.Throttle{Failures: 3, LastFailure: t0}, t0.Add(9 * time.Minute), 3, t0},
		{"one period and a bit", core.Throttle{Failures: 3, LastFailure: t0}, t0.Add(15 * time.Minute), 2, t0.Add(10 * time.Minute)},
		{"drained", core.Throttle{Failures: 3, LastFailure: t0}, t0.Add(30 * time.Minute), 0, t0.Add(30 * time.Minute)},
		{"clock went back", core.Throttle{Failures: 2, LastFailure: t0}, t0.Add(-time.Hour), 2, t0},
	} {
		th := tc.in
		leak(&th, r, tc.now)
		if th.Failures != tc.wantLevel || !th.LastFailure.Equal(tc.wantAnchor) {
			t.Errorf("%s: level %d at %v, want %d at %v", tc.name, th.Failures, th.LastFailure, tc.wantLevel, tc.wantAnchor)
		}
	}
}

func TestRetryIn(t *testing.T) {
	for _, tc := range []struct {
		wait      time.Duration
		retry     time.Duration
		wantWords string
	}{
		{time.Millisecond, time.Second, "1 second"},
		{1500 * time.Millisecond, 2 * time.Second, "2 seconds"},
		{119 * time.Second, 119 * time.Second, "119 seconds"},
		{15 * time.Minute, 15 * time.Minute, "15 minutes"},
		{6*time.Minute + time.Second, 6*time.Minute + time.Second, "7 minutes"},
	} {
		retry, words := retryIn(tc.wait)
		if retry != tc.retry || words != tc.wantWords {
			t.Errorf("retryIn(%v) = %v, %q; want %v, %q", tc.wait, retry, words, tc.retry, tc.wantWords)
		}
	}
}
