package downloads

import (
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/limits"
)

// TestDownloadBatchIsBounded: anonymous clients choose how many distinct
// sources there are, so the batch held between two writes stops at
// limits.MaxPendingDownloads (further downloads go uncounted and a write
// is asked for), and one source repeating itself takes one entry.
func TestDownloadBatchIsBounded(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	c := New(nil, []byte("test key"), func() time.Time { return now }, slog.New(slog.DiscardHandler))
	one := netip.MustParseAddr("203.0.113.9")
	for range 10 {
		c.Add(1, one)
	}
	c.Add(1, netip.MustParseAddr("2001:db8:1:2::1"))
	c.Add(1, netip.MustParseAddr("2001:db8:1:2:ffff::1")) // the same /64
	c.Add(1, netip.MustParseAddr("::ffff:203.0.113.9"))   // the same IPv4 client, mapped
	if n := c.Pending(1); n != 2 {
		t.Fatalf("Pending = %d after ten downloads from one address and two from one /64, want 2", n)
	}
	for i := range limits.MaxPendingDownloads + 10 {
		c.Add(2, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	if got := len(c.pending); got != limits.MaxPendingDownloads {
		t.Fatalf("%d downloads held in memory, want at most %d", got, limits.MaxPendingDownloads)
	}
	if c.dropped != 12 {
		t.Errorf("dropped = %d, want the 12 past the bound", c.dropped)
	}
	select {
	case <-c.full:
	default:
		t.Error("a full batch did not ask for a write")
	}
}
