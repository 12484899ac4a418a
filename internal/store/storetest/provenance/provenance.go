// Package provenance holds the conformance cases of the store.Provenance
// role: the facts verified build provenance proved about versions, and
// the packages' provenance continuity policies.
package provenance

import (
	"errors"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunProvenance runs the Provenance role's cases.
func RunProvenance(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "VersionFacts", F: testVersionFacts},
		{Name: "LastProvenance", F: testLastProvenance},
		{Name: "Policy", F: testPolicy},
		{Name: "PredicateOnVersion", F: testPredicateOnVersion},
	})
}

func facts(repo string) *core.Provenance {
	return &core.Provenance{
		PredicateType: "https://slsa.dev/provenance/v1", SourceRepository: repo, Commit: "0123abcd",
		SourceRef: "refs/heads/main", WorkflowPath: ".github/workflows/release.yml", WorkflowRef: "refs/heads/main",
		Builder: "https://github.com/actions/runner/github-hosted", Runner: "github-hosted", Trigger: "push",
		RunURL: repo + "/actions/runs/1", Issuer: "https://token.actions.githubusercontent.com",
		LogIndex: 42, IntegratedAt: suite.At(time.Hour),
	}
}

func same(a, b *core.Provenance) bool {
	x, y := *a, *b
	if !suite.SameTime(x.IntegratedAt, y.IntegratedAt) {
		return false
	}
	x.IntegratedAt, y.IntegratedAt = time.Time{}, time.Time{}
	return x == y
}

// testVersionFacts: the facts put for a version are read back whole, by
// version and for the package; a version without any is not found; a
// version's facts are never replaced.
func testVersionFacts(t *testing.T, s store.Store) {
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	want := facts("https://github.com/acme/left-pad")
	suite.Write(t, s, func(tx store.Tx) error { return tx.PutVersionProvenance(p.ID, "1.0.0", want) })
	got := suite.Read(t, s, func(tx store.Tx) (*core.Provenance, error) { return tx.VersionProvenance(p.ID, "1.0.0") })
	if !same(got, want) {
		t.Fatalf("VersionProvenance = %+v, want %+v", got, want)
	}
	suite.WantNotFound(t, s, "VersionProvenance(1.0.1)", func(tx store.Tx) (*core.Provenance, error) { return tx.VersionProvenance(p.ID, "1.0.1") })
	all := suite.Read(t, s, func(tx store.Tx) (map[string]core.Provenance, error) { return tx.PackageProvenance(p.ID) })
	if g, ok := all["1.0.0"]; len(all) != 1 || !ok || !same(&g, want) {
		t.Fatalf("PackageProvenance = %+v", all)
	}
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.PutVersionProvenance(p.ID, "1.0.0", facts("https://github.com/evil/x"))
	})
	if !errors.Is(err, core.ErrConflict) {
		t.Fatalf("a second PutVersionProvenance for 1.0.0: %v, want a conflict", err)
	}
}

// testLastProvenance: the last recorded facts of a served version of a
// package win, whatever the versions' order; a staged (pending) or
// quarantined version's do not count, nor another package's.
func testLastProvenance(t *testing.T, s store.Store) {
	u := suite.CreateUser(t, s, "alice")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	q := suite.CreatePackage(t, s, suite.NewPackage("right-pad"))
	suite.WantNotFound(t, s, "LastProvenance of a package without any", func(tx store.Tx) (*core.Provenance, error) { return tx.LastProvenance(p.ID) })
	for i, v := range []*core.Version{suite.NewVersion(p, "2.0.0", u.ID, suite.At(time.Minute)), suite.NewVersion(p, "1.0.1", u.ID, suite.At(2*time.Minute)),
		suite.NewVersion(q, "1.0.0", u.ID, suite.At(3*time.Minute)), suite.NewVersion(p, "3.0.0", u.ID, suite.At(4*time.Minute)),
		suite.NewVersion(p, "3.0.1", u.ID, suite.At(5*time.Minute))} {
		switch i {
		case 3:
			v.Held = core.StatePending
		case 4:
			v.Held = core.StateQuarantined
		}
		suite.InsertVersion(t, s, v)
	}
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.PutVersionProvenance(p.ID, "2.0.0", facts("https://github.com/acme/one"))
	})
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.PutVersionProvenance(p.ID, "1.0.1", facts("https://github.com/acme/two"))
	})
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.PutVersionProvenance(q.ID, "1.0.0", facts("https://github.com/acme/three"))
	})
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.PutVersionProvenance(p.ID, "3.0.0", facts("https://github.com/mallory/staged"))
	})
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.PutVersionProvenance(p.ID, "3.0.1", facts("https://github.com/mallory/held"))
	})
	got := suite.Read(t, s, func(tx store.Tx) (*core.Provenance, error) { return tx.LastProvenance(p.ID) })
	if got.SourceRepository != "https://github.com/acme/two" {
		t.Fatalf("LastProvenance = %s, want the one recorded last for a served version", got.SourceRepository)
	}
}

// testPolicy: no policy reads as the zero value; a set policy reads back
// and a second set replaces it.
func testPolicy(t *testing.T, s store.Store) {
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	if got := suite.Read(t, s, func(tx store.Tx) (core.ProvenancePolicy, error) { return tx.ProvenancePolicy(p.ID) }); got != (core.ProvenancePolicy{}) {
		t.Fatalf("ProvenancePolicy of a package without one = %+v, want the zero value", got)
	}
	for _, want := range []core.ProvenancePolicy{
		{Continuity: core.ContinuityOff, UpdatedAt: suite.At(time.Hour), UpdatedBy: "alice"},
		{Continuity: core.ContinuityEnforce, Repository: "https://github.com/acme/new", UpdatedAt: suite.At(2 * time.Hour), UpdatedBy: "bob"},
	} {
		suite.Write(t, s, func(tx store.Tx) error { return tx.SetProvenancePolicy(p.ID, want) })
		got := suite.Read(t, s, func(tx store.Tx) (core.ProvenancePolicy, error) { return tx.ProvenancePolicy(p.ID) })
		if got.Continuity != want.Continuity || got.Repository != want.Repository || got.UpdatedBy != want.UpdatedBy || !suite.SameTime(got.UpdatedAt, want.UpdatedAt) {
			t.Fatalf("ProvenancePolicy = %+v, want %+v", got, want)
		}
	}
}

// testPredicateOnVersion: a version keeps the predicate type of its
// verified provenance, "" for one without.
func testPredicateOnVersion(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	with := suite.NewVersion(p, "1.0.0", alice.ID, suite.At(time.Hour))
	with.ProvenancePredicate = "https://slsa.dev/provenance/v1"
	suite.InsertVersion(t, s, with)
	suite.InsertVersion(t, s, suite.NewVersion(p, "1.0.1", alice.ID, suite.At(2*time.Hour)))
	vs := suite.Read(t, s, func(tx store.Tx) ([]core.Version, error) { return tx.Versions(p.ID) })
	if len(vs) != 2 || vs[0].ProvenancePredicate != with.ProvenancePredicate || vs[1].ProvenancePredicate != "" {
		t.Fatalf("Versions = %+v, want 1.0.0 with the predicate and 1.0.1 without", vs)
	}
	got := suite.Read(t, s, func(tx store.Tx) (*core.Version, error) { return tx.Version(p.ID, "1.0.0") })
	if got.ProvenancePredicate != with.ProvenancePredicate {
		t.Fatalf("Version(1.0.0).ProvenancePredicate = %q", got.ProvenancePredicate)
	}
}
