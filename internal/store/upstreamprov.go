package store

import "github.com/rampart/rampart/internal/core"

// UpstreamProvenance keeps what the upstream proxy found when it verified
// the build provenance of proxied versions (internal/upstream
// provenance.go): decided once per name@version.
type UpstreamProvenance interface {
	// PutUpstreamProvenance records a version's outcome; an error
	// wrapping core.ErrConflict if it has one already (the first stays).
	PutUpstreamProvenance(p core.UpstreamProvenance) error
	// UpstreamProvenanceOf reads one version's outcome with its bundle;
	// an error wrapping core.ErrNotFound if it was not checked yet.
	UpstreamProvenanceOf(ref core.PackageRef, version string) (*core.UpstreamProvenance, error)
	// UpstreamProvenances lists a package's outcomes by version, without
	// their bundles.
	UpstreamProvenances(ref core.PackageRef) ([]core.UpstreamProvenance, error)
}
