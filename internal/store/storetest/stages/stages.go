// Package stages is the conformance suite's cases for store.Stages:
// staged versions' records and the packages' staged-publishing policy.
package stages

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunStages runs the cases of store.Stages.
func RunStages(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "CreateAndRead", F: testCreateAndRead},
		{Name: "DecideOnce", F: testDecideOnce},
		{Name: "OpenStagesOfMaintainer", F: testOpenStages},
		{Name: "Expired", F: testExpired},
		{Name: "Policy", F: testPolicy},
	})
}

// fixture is a package maintained by alice, with bob a stranger to it.
func fixture(t *testing.T, s store.Store) (alice, bob *core.User, p *core.Package) {
	alice = suite.CreateUser(t, s, "alice")
	bob = suite.CreateUser(t, s, "bob")
	p = suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	suite.Write(t, s, func(tx store.Tx) error { return tx.AddMaintainer(p.ID, alice.ID, suite.At(0)) })
	return alice, bob, p
}

func newStage(id string, p *core.Package, u *core.User, version string, at time.Duration) *core.Stage {
	return &core.Stage{ID: id, PackageID: p.ID, Version: version, Tag: "latest", Status: core.StageWaiting,
		Reason: "asked", ActorID: u.ID, ActorType: "user", Shasum: "ab", Integrity: "sha512-x", Description: "pads", Keywords: "pad left",
		CreatedAt: suite.At(at), ExpiresAt: suite.At(at + 14*24*time.Hour)}
}

func create(t *testing.T, s store.Store, st *core.Stage) {
	t.Helper()
	suite.Write(t, s, func(tx store.Tx) error { return tx.CreateStage(st) })
}

func testCreateAndRead(t *testing.T, s store.Store) {
	alice, _, p := fixture(t, s)
	want := newStage("0b7c2a4e-1111-4222-8333-444455556666", p, alice, "1.0.0", time.Hour)
	create(t, s, want)
	got := suite.Read(t, s, func(tx store.Tx) (*core.Stage, error) { return tx.Stage(want.ID) })
	var d suite.Diffs
	d.Eq("ID", got.ID, want.ID)
	d.Eq("PackageID", got.PackageID, p.ID)
	d.Eq("Package", got.Package, p.Name)
	d.Eq("Version", got.Version, want.Version)
	d.Eq("Tag", got.Tag, want.Tag)
	d.Eq("Status", got.Status, core.StageWaiting)
	d.Eq("Reason", got.Reason, want.Reason)
	d.Eq("ActorID", got.ActorID, alice.ID)
	d.Eq("Actor", got.Actor, "alice")
	d.Eq("ActorType", got.ActorType, want.ActorType)
	d.Eq("Shasum", got.Shasum, want.Shasum)
	d.Eq("Integrity", got.Integrity, want.Integrity)
	d.Time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.Time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	d.Eq("Description", got.Description, want.Description)
	d.Eq("Keywords", got.Keywords, want.Keywords)
	d.Check(t, "Stage")
	if !got.DecidedAt.IsZero() || got.DecidedBy != "" {
		t.Errorf("a new stage reads back decided: at %v by %q", got.DecidedAt, got.DecidedBy)
	}
	suite.WantNotFound(t, s, "Stage", func(tx store.Tx) (*core.Stage, error) { return tx.Stage("no-such-stage") })

	// The id is unique, and so is one version of one package.
	again := newStage(want.ID, p, alice, "2.0.0", 2*time.Hour)
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateStage(again) })
	suite.WantErr(t, err, core.ErrConflict, "CreateStage with a taken id")
	same := newStage("0b7c2a4e-1111-4222-8333-777788889999", p, alice, "1.0.0", 2*time.Hour)
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateStage(same) })
	suite.WantErr(t, err, core.ErrConflict, "CreateStage of a staged version")
}

func testDecideOnce(t *testing.T, s store.Store) {
	alice, _, p := fixture(t, s)
	st := newStage("0b7c2a4e-1111-4222-8333-444455556666", p, alice, "1.0.0", time.Hour)
	create(t, s, st)
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.DecideStage(st.ID, core.StageApproved, suite.At(2*time.Hour), "alice")
	})
	got := suite.Read(t, s, func(tx store.Tx) (*core.Stage, error) { return tx.Stage(st.ID) })
	if got.Status != core.StageApproved || got.DecidedBy != "alice" || !suite.SameTime(got.DecidedAt, suite.At(2*time.Hour)) || got.Open() {
		t.Errorf("after DecideStage: status %q by %q at %v", got.Status, got.DecidedBy, got.DecidedAt)
	}
	// A second decision (a rejection racing the approval, or expiry)
	// changes nothing.
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.DecideStage(st.ID, core.StageRejected, suite.At(3*time.Hour), "bob")
	})
	suite.WantErr(t, err, core.ErrConflict, "DecideStage of a decided stage")
	got = suite.Read(t, s, func(tx store.Tx) (*core.Stage, error) { return tx.Stage(st.ID) })
	if got.Status != core.StageApproved || got.DecidedBy != "alice" {
		t.Errorf("a second decision overwrote the first: status %q by %q", got.Status, got.DecidedBy)
	}
	err = s.Update(t.Context(), func(tx store.Tx) error {
		return tx.DecideStage("no-such-stage", core.StageRejected, suite.At(3*time.Hour), "bob")
	})
	suite.WantErr(t, err, core.ErrNotFound, "DecideStage of an unknown stage")
}

func testOpenStages(t *testing.T, s store.Store) {
	alice, bob, p := fixture(t, s)
	other := suite.CreatePackage(t, s, suite.NewPackage("right-pad"))
	suite.Write(t, s, func(tx store.Tx) error { return tx.AddMaintainer(other.ID, alice.ID, suite.At(0)) })
	a := newStage("00000000-0000-4000-8000-00000000000a", p, alice, "1.0.0", time.Hour)
	b := newStage("00000000-0000-4000-8000-00000000000b", other, alice, "1.0.0", 2*time.Hour)
	c := newStage("00000000-0000-4000-8000-00000000000c", p, alice, "1.1.0", 3*time.Hour)
	done := newStage("00000000-0000-4000-8000-00000000000d", p, alice, "0.9.0", 0)
	for _, st := range []*core.Stage{a, b, c, done} {
		create(t, s, st)
	}
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.DecideStage(done.ID, core.StageRejected, suite.At(time.Hour), "alice")
	})

	ids := func(userID, pkgID int64, offset, limit int) ([]string, int) {
		var out []string
		var total int
		got := suite.Read(t, s, func(tx store.Tx) ([]core.Stage, error) {
			l, n, err := tx.OpenStages(userID, pkgID, offset, limit)
			total = n
			return l, err
		})
		for _, st := range got {
			out = append(out, st.ID)
		}
		return out, total
	}
	check := func(what string, got []string, total int, wantTotal int, want ...string) {
		t.Helper()
		if total != wantTotal || len(got) != len(want) {
			t.Errorf("%s: %q of %d, want %q of %d", what, got, total, want, wantTotal)
			return
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: %q of %d, want %q of %d", what, got, total, want, wantTotal)
				return
			}
		}
	}
	got, n := ids(alice.ID, 0, 0, 100)
	check("every open stage alice maintains, oldest first", got, n, 3, a.ID, b.ID, c.ID)
	got, n = ids(alice.ID, p.ID, 0, 100)
	check("one package's", got, n, 2, a.ID, c.ID)
	got, n = ids(alice.ID, 0, 1, 1)
	check("a page", got, n, 3, b.ID)
	got, n = ids(bob.ID, 0, 0, 100)
	check("a stranger's", got, n, 0)
	got, n = ids(bob.ID, p.ID, 0, 100)
	check("a stranger's, of the package", got, n, 0)
}

func testExpired(t *testing.T, s store.Store) {
	alice, _, p := fixture(t, s)
	early := newStage("00000000-0000-4000-8000-00000000000a", p, alice, "1.0.0", 0)
	late := newStage("00000000-0000-4000-8000-00000000000b", p, alice, "1.1.0", time.Hour)
	decided := newStage("00000000-0000-4000-8000-00000000000c", p, alice, "1.2.0", 0)
	for _, st := range []*core.Stage{early, late, decided} {
		create(t, s, st)
	}
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.DecideStage(decided.ID, core.StageApproved, suite.At(time.Minute), "alice")
	})
	at := func(now time.Time, limit int) []string {
		got := suite.Read(t, s, func(tx store.Tx) ([]core.Stage, error) { return tx.ExpiredStages(now, limit) })
		var out []string
		for _, st := range got {
			out = append(out, st.ID)
		}
		return out
	}
	if got := at(early.ExpiresAt.Add(-time.Millisecond), 10); len(got) != 0 {
		t.Errorf("ExpiredStages before any expiry: %q", got)
	}
	if got := at(early.ExpiresAt, 10); len(got) != 1 || got[0] != early.ID {
		t.Errorf("ExpiredStages at the first expiry: %q, want %q", got, early.ID)
	}
	if got := at(late.ExpiresAt, 10); len(got) != 2 || got[0] != early.ID || got[1] != late.ID {
		t.Errorf("ExpiredStages after both: %q, want the two open ones, the earliest first", got)
	}
	if got := at(late.ExpiresAt, 1); len(got) != 1 {
		t.Errorf("ExpiredStages with limit 1: %q", got)
	}
}

func testPolicy(t *testing.T, s store.Store) {
	_, _, p := fixture(t, s)
	if got := suite.Read(t, s, func(tx store.Tx) (core.StagePolicy, error) { return tx.StagePolicy(p.ID) }); got != core.StageNone {
		t.Errorf("StagePolicy of a package never set = %q, want %q", got, core.StageNone)
	}
	for _, want := range []core.StagePolicy{core.StageAll, core.StageCI, core.StageNone} {
		suite.Write(t, s, func(tx store.Tx) error { return tx.SetStagePolicy(p.ID, want) })
		if got := suite.Read(t, s, func(tx store.Tx) (core.StagePolicy, error) { return tx.StagePolicy(p.ID) }); got != want {
			t.Errorf("StagePolicy after SetStagePolicy(%q) = %q", want, got)
		}
	}
}
