package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// testUpdatePackageAt: the revision compare-and-swap writes only over the
// revision the writer read; a stale writer changes nothing, and of two
// writers racing from the same revision exactly one wins.
func testUpdatePackageAt(t *testing.T, s store.Store) {
	p := createPackage(t, s, newPackage("left-pad"))
	next := *p
	next.Rev, next.ModifiedAt, next.Description = 2, at(time.Hour), "second"
	write(t, s, func(tx store.Tx) error { return tx.UpdatePackageAt(&next, 1) })
	got := read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(p.Name)) })
	checkPackage(t, "package after UpdatePackageAt from its revision", got, &next)

	stale := *p
	stale.Rev, stale.Description = 2, "stale"
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdatePackageAt(&stale, 1) })
	wantErr(t, err, core.ErrConflict, "UpdatePackageAt from a revision no longer stored")
	got = read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(p.Name)) })
	checkPackage(t, "package after a stale UpdatePackageAt", got, &next)

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.Update(t.Context(), func(tx store.Tx) error {
				w := next
				w.Rev = 3
				return tx.UpdatePackageAt(&w, 2)
			})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			wantErr(t, err, core.ErrConflict, "the losing UpdatePackageAt of two racing writers")
		}
	}
	if won != 1 {
		t.Fatalf("%d of two writers racing from revision 2 succeeded, want exactly one", won)
	}
}
