package store

import "github.com/rampart/rampart/internal/core"

// Provenance holds what verified build provenance proved about versions,
// and the packages' provenance continuity policies.
type Provenance interface {
	// PutVersionProvenance records the verified provenance of the
	// package's version; a second record for the same version is a
	// conflict (a version's provenance never changes).
	PutVersionProvenance(packageID int64, version string, p *core.Provenance) error
	// VersionProvenance returns a version's recorded provenance;
	// core.ErrNotFound if it has none.
	VersionProvenance(packageID int64, version string) (*core.Provenance, error)
	// PackageProvenance returns the recorded provenance of every version
	// of the package that has one, by version.
	PackageProvenance(packageID int64) (map[string]core.Provenance, error)
	// LastProvenance returns the provenance recorded last for the
	// package (whichever version it was, unpublished too);
	// core.ErrNotFound if none ever was.
	LastProvenance(packageID int64) (*core.Provenance, error)
	// ProvenancePolicy returns the package's policy; the zero value if
	// its owners never set one.
	ProvenancePolicy(packageID int64) (core.ProvenancePolicy, error)
	// SetProvenancePolicy replaces the package's policy.
	SetProvenancePolicy(packageID int64, p core.ProvenancePolicy) error
}
