package downloads

import (
	"log/slog"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
)

// TestProxiedDownloadsCountLikeLocalOnes: a proxied version's downloads
// go through the same batching as a package's: one per version, source
// (an IPv4 address, an IPv6 /64) and day, in memory and in the store.
func TestProxiedDownloadsCountLikeLocalOnes(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	c := NewProxied(st, []byte("test key"), func() time.Time { return now }, slog.New(slog.DiscardHandler))
	v1 := Proxied{Ref: core.NPM("left-pad"), Version: "1.0.0", Upstream: "npmjs"}
	v2 := Proxied{Ref: core.NPM("left-pad"), Version: "1.1.0", Upstream: "npmjs"}
	for range 5 {
		c.Add(v1, netip.MustParseAddr("203.0.113.9"))
	}
	c.Add(v1, netip.MustParseAddr("2001:db8:1:2::1"))
	c.Add(v1, netip.MustParseAddr("2001:db8:1:2:ffff::1"))
	c.Add(v2, netip.MustParseAddr("203.0.113.9"))
	if n := c.Pending(v1); n != 2 {
		t.Fatalf("Pending(1.0.0) = %d after five downloads from one address and two from one /64, want 2", n)
	}
	if err := c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The same source again the same day, after a write: the store says
	// it was counted.
	c.Add(v1, netip.MustParseAddr("203.0.113.9"))
	if err := c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	var got []core.ProxiedVersion
	if err := st.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.PinUpstream(core.UpstreamPin{Ref: v1.Ref, Version: "1.0.0", Upstream: "npmjs", Integrity: "sha512-A", FirstSeen: now}); err != nil {
			return err
		}
		if err := tx.PinUpstream(core.UpstreamPin{Ref: v1.Ref, Version: "1.1.0", Upstream: "npmjs", Integrity: "sha512-B", FirstSeen: now.Add(time.Second)}); err != nil {
			return err
		}
		got, err = tx.ProxiedVersions(v1.Ref, now.Add(-time.Hour), 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Version != "1.1.0" || got[0].Downloads != 1 || got[1].Version != "1.0.0" || got[1].Downloads != 2 {
		t.Fatalf("stored counts = %+v, want 1.1.0: 1, 1.0.0: 2", got)
	}
}
