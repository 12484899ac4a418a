// Package advisories holds the conformance cases of the store's advisory
// role: store.Advisories, OSV records indexed by package, and the MAL-
// number counter.
package advisories

import (
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunAdvisories runs the cases of store.Advisories.
func RunAdvisories(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "PutAndRead", F: testPutAndRead},
		{Name: "ReplaceIndex", F: testReplaceIndex},
		{Name: "List", F: testList},
		{Name: "MaliciousNumbers", F: testMaliciousNumbers},
	})
}

func npm(name string) core.PackageRef { return core.PackageRef{Ecosystem: "npm", Name: name} }

func put(t *testing.T, s store.Store, a core.Advisory) {
	t.Helper()
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.PutAdvisory(&a) }); err != nil {
		t.Fatalf("PutAdvisory(%s): %v", a.ID, err)
	}
}

// An advisory reads back as written, by id and by each package it
// names, and not by others; an unknown id is not found.
func testPutAndRead(t *testing.T, s store.Store) {
	a := core.Advisory{ID: "GHSA-aaaa-bbbb-cccc", Modified: suite.At(time.Hour), Published: suite.At(time.Minute), Summary: "bad", Severity: "high",
		Source: "npm/all.zip", Packages: []core.PackageRef{npm("left-pad"), npm("@x/y")}, Record: []byte(`{"id":"GHSA-aaaa-bbbb-cccc"}`)}
	put(t, s, a)
	err := s.View(t.Context(), func(tx store.Tx) error {
		got, err := tx.Advisory(a.ID)
		if err != nil {
			return err
		}
		if got.ID != a.ID || !got.Modified.Equal(a.Modified.Truncate(time.Millisecond)) || !got.Published.Equal(a.Published.Truncate(time.Millisecond)) ||
			!got.Withdrawn.IsZero() || got.Summary != "bad" || got.Severity != "high" || got.Source != a.Source || string(got.Record) != string(a.Record) || len(got.Packages) != 2 {
			t.Errorf("Advisory = %+v, want %+v", got, a)
		}
		for _, p := range a.Packages {
			list, err := tx.AdvisoriesFor(p)
			if err != nil {
				return err
			}
			if len(list) != 1 || list[0].ID != a.ID {
				t.Errorf("AdvisoriesFor(%s) = %+v", p.Name, list)
			}
		}
		list, err := tx.AdvisoriesFor(npm("right-pad"))
		if err != nil {
			return err
		}
		if len(list) != 0 {
			t.Errorf("AdvisoriesFor(right-pad) = %+v, want none", list)
		}
		if other, err := tx.AdvisoriesFor(core.PackageRef{Ecosystem: "go", Name: "left-pad"}); err != nil || len(other) != 0 {
			t.Errorf("another ecosystem's left-pad: %+v %v", other, err)
		}
		_, err = tx.Advisory("GHSA-none")
		suite.WantErr(t, err, core.ErrNotFound, "an unknown advisory")
		mods, err := tx.AdvisoryModified()
		if err != nil {
			return err
		}
		if len(mods) != 1 || !mods[a.ID].Equal(a.Modified.Truncate(time.Millisecond)) {
			t.Errorf("AdvisoryModified = %v", mods)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Writing an advisory again replaces it whole, its package index too.
func testReplaceIndex(t *testing.T, s store.Store) {
	a := core.Advisory{ID: "GHSA-1", Modified: suite.At(time.Hour), Summary: "v1", Severity: "low", Source: "s", Packages: []core.PackageRef{npm("a"), npm("b")}, Record: []byte(`{}`)}
	put(t, s, a)
	a.Modified, a.Summary, a.Withdrawn, a.Packages = suite.At(2*time.Hour), "v2", suite.At(3*time.Hour), []core.PackageRef{npm("b"), npm("c")}
	put(t, s, a)
	err := s.View(t.Context(), func(tx store.Tx) error {
		for name, want := range map[string]int{"a": 0, "b": 1, "c": 1} {
			list, err := tx.AdvisoriesFor(npm(name))
			if err != nil {
				return err
			}
			if len(list) != want {
				t.Errorf("AdvisoriesFor(%s) = %d advisories, want %d", name, len(list), want)
			}
		}
		got, err := tx.Advisory("GHSA-1")
		if err != nil {
			return err
		}
		if got.Summary != "v2" || got.Withdrawn.IsZero() {
			t.Errorf("replaced advisory = %+v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The list is newest modified first, pages with offset and limit, and
// leaves withdrawn advisories out unless asked.
func testList(t *testing.T, s store.Store) {
	for i, id := range []string{"GHSA-old", "GHSA-mid", "GHSA-new"} {
		put(t, s, core.Advisory{ID: id, Modified: suite.At(time.Duration(i+1) * time.Hour), Severity: "low", Source: "s", Record: []byte(`{}`)})
	}
	put(t, s, core.Advisory{ID: "GHSA-gone", Modified: suite.At(10 * time.Hour), Withdrawn: suite.At(10 * time.Hour), Severity: "low", Source: "s", Record: []byte(`{}`)})
	err := s.View(t.Context(), func(tx store.Tx) error {
		ids := func(list []core.Advisory) []string {
			var out []string
			for _, a := range list {
				out = append(out, a.ID)
			}
			return out
		}
		page, err := tx.ListAdvisories(0, 2, false)
		if err != nil {
			return err
		}
		if got := ids(page); len(got) != 2 || got[0] != "GHSA-new" || got[1] != "GHSA-mid" {
			t.Errorf("first page = %v", got)
		}
		page, err = tx.ListAdvisories(2, 2, false)
		if err != nil {
			return err
		}
		if got := ids(page); len(got) != 1 || got[0] != "GHSA-old" {
			t.Errorf("second page = %v", got)
		}
		all, err := tx.ListAdvisories(0, 10, true)
		if err != nil {
			return err
		}
		if got := ids(all); len(got) != 4 || got[0] != "GHSA-gone" {
			t.Errorf("with withdrawn = %v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// MAL- numbers count from 1 per year; a rolled-back allocation is made
// again; concurrent transactions never share a number and leave no gap.
func testMaliciousNumbers(t *testing.T, s store.Store) {
	next := func(year int) int {
		var n int
		if err := s.Update(t.Context(), func(tx store.Tx) error {
			var err error
			n, err = tx.NextMaliciousNumber(year)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if a, b := next(2026), next(2026); a != 1 || b != 2 {
		t.Fatalf("2026 numbers %d, %d, want 1, 2", a, b)
	}
	if n := next(2027); n != 1 {
		t.Errorf("2027 starts at %d, want 1", n)
	}
	rolled := s.Update(t.Context(), func(tx store.Tx) error {
		if _, err := tx.NextMaliciousNumber(2026); err != nil {
			return err
		}
		return core.ErrConflict
	})
	suite.WantErr(t, rolled, core.ErrConflict, "the rolled-back allocation")
	if n := next(2026); n != 3 {
		t.Errorf("after a rollback got %d, want 3", n)
	}
	var mu sync.Mutex
	seen := map[int]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			n := next(2028)
			mu.Lock()
			defer mu.Unlock()
			if seen[n] {
				t.Errorf("number %d allocated twice", n)
			}
			seen[n] = true
		})
	}
	wg.Wait()
	for i := 1; i <= 8; i++ {
		if !seen[i] {
			t.Errorf("number %d never allocated: %v", i, seen)
		}
	}
}
