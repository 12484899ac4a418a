package packages

import (
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// testPackagesPerEcosystem: a package is (ecosystem, name). The same name
// in two ecosystems is two packages, each found by its own reference and
// not by the other's; the same pair twice is a conflict; a package
// without an ecosystem is refused rather than stored under a guess.
func testPackagesPerEcosystem(t *testing.T, s store.Store) {
	npm := suite.CreatePackage(t, s, suite.NewPackage("shared-name"))
	other := suite.NewPackage("shared-name")
	other.Ecosystem = "go"
	other.Description = "the other ecosystem's"
	other = suite.CreatePackage(t, s, other)
	if npm.ID == other.ID {
		t.Fatalf("the same name in two ecosystems got one ID %d", npm.ID)
	}
	got := suite.Read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM("shared-name")) })
	suite.CheckPackage(t, "PackageByRef(npm)", got, npm)
	got = suite.Read(t, s, func(tx store.Tx) (*core.Package, error) {
		return tx.PackageByRef(core.PackageRef{Ecosystem: "go", Name: "shared-name"})
	})
	suite.CheckPackage(t, "PackageByRef(go)", got, other)
	suite.WantNotFound(t, s, "PackageByRef(another ecosystem)", func(tx store.Tx) (*core.Package, error) {
		return tx.PackageByRef(core.PackageRef{Ecosystem: "pypi", Name: "shared-name"})
	})

	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreatePackage(suite.NewPackage("shared-name")) })
	suite.WantErr(t, err, core.ErrConflict, "CreatePackage of a taken (ecosystem, name)")

	bare := suite.NewPackage("no-ecosystem")
	bare.Ecosystem = ""
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreatePackage(bare) }); err == nil {
		t.Error("CreatePackage stored a package without an ecosystem")
	}
}
