package core

import "time"

// EventUpstreamProvenance: a proxied version was refused for its build
// provenance: its Sigstore bundle did not verify, or it breaks the
// package's provenance continuity (published without provenance, or from
// another source repository, after versions with it).
const EventUpstreamProvenance = "upstream.provenance"

// The outcomes of a proxied version's provenance check.
const (
	UpstreamProvenanceVerified = "verified" // the bundle verified: served, and passed through
	UpstreamProvenanceRefused  = "refused"  // never served from this upstream under this integrity
)

// UpstreamProvenance is what this registry found when it verified the
// build provenance a proxied name@version announced (internal/upstream
// provenance.go). It is decided once per version and integrity: a record
// is never rewritten, so an upstream cannot make a refused version
// verify later, nor a verified one lose its provenance.
type UpstreamProvenance struct {
	Ref       PackageRef
	Version   string
	Upstream  string // the upstream's configured name
	Integrity string // the pinned integrity the bundle was checked against
	State     string // UpstreamProvenanceVerified or UpstreamProvenanceRefused
	// Reason says why a version was refused.
	Reason string
	// Facts are the verified provenance (nil for a refusal).
	Facts *Provenance
	// PredicateType and Bundle are the verified Sigstore bundle as the
	// upstream served it, passed to clients unchanged (empty for a
	// refusal; left out of lists).
	PredicateType string
	Bundle        []byte
	At            time.Time
}
