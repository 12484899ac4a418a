// Package upstreamusage holds the conformance cases of the store's
// store.UpstreamUsage role: proxied downloads, the proxied packages
// listed for the operator, and the decided holds.
package upstreamusage

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunUpstreamUsage runs the cases of store.UpstreamUsage.
func RunUpstreamUsage(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "DownloadsOncePerSourceAndDay", F: testDownloadsOncePerSource},
		{Name: "ProxiedPackagesByPrefix", F: testProxiedPackages},
		{Name: "DecidedHoldsNewestFirst", F: testDecidedHolds},
	})
}

func update(t *testing.T, s store.Store, f func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), f); err != nil {
		t.Fatal(err)
	}
}

// A download counts once per version, source and day; another version,
// source or day counts again; sweeping past days' sources keeps counts.
func testDownloadsOncePerSource(t *testing.T, s store.Store) {
	ref := core.PackageRef{Ecosystem: "npm", Name: "left-pad"}
	update(t, s, func(tx store.Tx) error {
		return tx.PinUpstream(core.UpstreamPin{Ref: ref, Version: "1.0.0", Upstream: "npmjs", Integrity: "sha512-AAAA", FirstSeen: suite.At(0)})
	})
	day1, day2 := suite.At(time.Hour), suite.At(25*time.Hour)
	count := func(version string, day time.Time, source string) bool {
		var ok bool
		update(t, s, func(tx store.Tx) (err error) {
			ok, err = tx.CountUpstreamDownload(ref, version, "npmjs", day, source)
			return err
		})
		return ok
	}
	for i, c := range []struct {
		version string
		day     time.Time
		source  string
		want    bool
	}{
		{"1.0.0", day1, "a", true},
		{"1.0.0", day1, "a", false},
		{"1.0.0", day1.Add(time.Hour), "a", false},
		{"1.0.0", day1, "b", true},
		{"1.1.0", day1, "a", true},
		{"1.0.0", day2, "a", true},
	} {
		if got := count(c.version, c.day, c.source); got != c.want {
			t.Fatalf("case %d: CountUpstreamDownload(%s, %v, %s) = %v, want %v", i, c.version, c.day, c.source, got, c.want)
		}
	}
	var n int64
	update(t, s, func(tx store.Tx) (err error) {
		n, err = tx.SweepUpstreamDownloadSources(day2)
		return err
	})
	if n != 3 {
		t.Fatalf("SweepUpstreamDownloadSources swept %d rows, want the 3 of the first day", n)
	}
	vs := suite.Read(t, s, func(tx store.Tx) ([]core.ProxiedVersion, error) { return tx.ProxiedVersions(ref, day1, 10) })
	if len(vs) != 1 || vs[0].Version != "1.0.0" || vs[0].Downloads != 3 || vs[0].Total != 3 || vs[0].Integrity != "sha512-AAAA" {
		t.Fatalf("ProxiedVersions since day 1 = %+v, want 1.0.0 (the pinned one) with 3 downloads", vs)
	}
	if vs := suite.Read(t, s, func(tx store.Tx) ([]core.ProxiedVersion, error) { return tx.ProxiedVersions(ref, day2, 10) }); len(vs) != 1 || vs[0].Downloads != 1 || vs[0].Total != 3 {
		t.Fatalf("ProxiedVersions since day 2 = %+v, want 1 recent of 3", vs)
	}
}

// The proxied packages are those with pins, by name, filtered by prefix
// and paged, each with its downloads since the time asked and its holds.
func testProxiedPackages(t *testing.T, s store.Store) {
	pin := func(name, version string, at time.Duration) core.UpstreamPin {
		return core.UpstreamPin{Ref: core.PackageRef{Ecosystem: "npm", Name: name}, Version: version, Upstream: "npmjs", Integrity: "sha512-" + name + version, FirstSeen: suite.At(at)}
	}
	update(t, s, func(tx store.Tx) error {
		for _, p := range []core.UpstreamPin{pin("lodash", "1.0.0", 2*time.Minute), pin("lodash", "2.0.0", time.Minute), pin("left-pad", "1.0.0", 0), pin("react", "18.0.0", 0),
			{Ref: core.PackageRef{Ecosystem: "go", Name: "lodash"}, Version: "v1.0.0", Upstream: "proxy", Integrity: "h1:x", FirstSeen: suite.At(0)}} {
			if err := tx.PinUpstream(p); err != nil {
				return err
			}
		}
		lodash := core.PackageRef{Ecosystem: "npm", Name: "lodash"}
		for _, src := range []string{"a", "b"} {
			if _, err := tx.CountUpstreamDownload(lodash, "2.0.0", "npmjs", suite.At(time.Hour), src); err != nil {
				return err
			}
		}
		if _, err := tx.CountUpstreamDownload(lodash, "1.0.0", "npmjs", suite.At(-48*time.Hour), "a"); err != nil {
			return err
		}
		return tx.PutUpstreamHold(core.UpstreamHold{Ref: lodash, Version: "1.0.0", Upstream: "npmjs", Integrity: "sha512-x", Reason: "r", At: suite.At(time.Hour), Digest: "abcd"})
	})
	type page struct {
		list []core.ProxiedPackage
		n    int
	}
	list := func(prefix string, limit, offset int) page {
		return *suite.Read(t, s, func(tx store.Tx) (*page, error) {
			l, n, err := tx.ProxiedPackages("npm", prefix, suite.At(0), limit, offset)
			return &page{l, n}, err
		})
	}
	if p := list("", 2, 0); p.n != 3 || len(p.list) != 2 || p.list[0].Ref.Name != "left-pad" || p.list[1].Ref.Name != "lodash" {
		t.Fatalf("ProxiedPackages(\"\", 2, 0) = %+v, want 3 in all, left-pad then lodash", p)
	}
	p := list("lo", 10, 0)
	if p.n != 1 || len(p.list) != 1 {
		t.Fatalf("ProxiedPackages(\"lo\") = %+v, want lodash alone", p)
	}
	l := p.list[0]
	if l.Ref.Name != "lodash" || l.Upstream != "npmjs" || l.Versions != 2 || l.Downloads != 2 || l.Holds != 1 || l.Held != 1 || !suite.SameTime(l.FirstSeen, suite.At(time.Minute)) {
		t.Fatalf("lodash = %+v, want 2 versions, 2 recent downloads, 1 hold still held, first seen at +1m", l)
	}
	if p := list("l", 10, 1); p.n != 2 || len(p.list) != 1 || p.list[0].Ref.Name != "lodash" {
		t.Fatalf("ProxiedPackages(\"l\", 10, 1) = %+v, want lodash on the second row of 2", p)
	}
	if p := list("zz", 10, 0); p.n != 0 || len(p.list) != 0 {
		t.Fatalf("ProxiedPackages(\"zz\") = %+v, want none", p)
	}
	vs := suite.Read(t, s, func(tx store.Tx) ([]core.ProxiedVersion, error) {
		return tx.ProxiedVersions(core.PackageRef{Ecosystem: "npm", Name: "lodash"}, suite.At(0), 10)
	})
	if len(vs) != 2 || vs[0].Version != "1.0.0" || vs[0].Hold != core.UpstreamHeld || vs[0].Downloads != 0 || vs[0].Total != 1 || vs[1].Version != "2.0.0" || vs[1].Downloads != 2 {
		t.Fatalf("ProxiedVersions(lodash) = %+v, want 1.0.0 (held, newest pin) then 2.0.0 (2 downloads)", vs)
	}
}

// Decided holds are listed newest decision first, paged, with who
// decided and the hold's digest; held ones are not. The digests of all
// holds' kept bytes are listed for orphan collection.
func testDecidedHolds(t *testing.T, s store.Store) {
	hold := func(name string, at time.Duration) core.UpstreamHold {
		return core.UpstreamHold{Ref: core.PackageRef{Ecosystem: "npm", Name: name}, Version: "1.0.0", Upstream: "npmjs", Integrity: "sha512-" + name,
			Reason: "r", At: suite.At(at), Digest: "digest-" + name}
	}
	update(t, s, func(tx store.Tx) error {
		for _, h := range []core.UpstreamHold{hold("a", 0), hold("b", time.Minute), hold("c", 2*time.Minute)} {
			if err := tx.PutUpstreamHold(h); err != nil {
				return err
			}
		}
		a := hold("a", 0)
		a.State, a.DecidedBy, a.DecidedAt, a.Decision, a.Advisory = core.UpstreamConfirmed, "mod", suite.At(3*time.Hour), "steals", "MAL-2026-1"
		if err := tx.DecideUpstreamHold(a); err != nil {
			return err
		}
		b := hold("b", time.Minute)
		b.State, b.DecidedBy, b.DecidedAt, b.Decision = core.UpstreamReleased, "chief", suite.At(2*time.Hour), "fixture"
		return tx.DecideUpstreamHold(b)
	})
	type page struct {
		list []core.UpstreamHold
		n    int
	}
	list := func(limit, offset int) page {
		return *suite.Read(t, s, func(tx store.Tx) (*page, error) {
			l, n, err := tx.DecidedUpstreamHolds(limit, offset)
			return &page{l, n}, err
		})
	}
	p := list(10, 0)
	if p.n != 2 || len(p.list) != 2 || p.list[0].Ref.Name != "a" || p.list[1].Ref.Name != "b" {
		t.Fatalf("DecidedUpstreamHolds = %+v, want a (decided last) then b", p)
	}
	if a := p.list[0]; a.State != core.UpstreamConfirmed || a.DecidedBy != "mod" || a.Advisory != "MAL-2026-1" || a.Digest != "digest-a" || !suite.SameTime(a.DecidedAt, suite.At(3*time.Hour)) {
		t.Fatalf("decided a = %+v", a)
	}
	if p := list(1, 1); p.n != 2 || len(p.list) != 1 || p.list[0].Ref.Name != "b" || p.list[0].DecidedBy != "chief" {
		t.Fatalf("DecidedUpstreamHolds(1, 1) = %+v, want b", p)
	}
	// Every hold's kept bytes, decided or not, are listed once.
	update(t, s, func(tx store.Tx) error {
		h := hold("d", 3*time.Minute)
		h.Digest = "digest-a" // the same bytes under another name
		return tx.PutUpstreamHold(h)
	})
	ds := suite.Read(t, s, func(tx store.Tx) ([]string, error) { return tx.UpstreamHoldDigests() })
	if len(ds) != 3 || ds[0] != "digest-a" || ds[1] != "digest-b" || ds[2] != "digest-c" {
		t.Fatalf("UpstreamHoldDigests = %v, want digest-a, -b, -c", ds)
	}
}
