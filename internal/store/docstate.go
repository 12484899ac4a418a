package store

import "github.com/rampart/rampart/internal/core"

// DocumentState is what a change to a package's document reads inside
// its transaction instead of every version: the sums the limits on the
// document's growth are checked against, and the stored document a
// revision update is compared with. Both read O(1) rows, so that a
// publish or a deprecation costs the same at 1,000 versions as at 10.
type DocumentState interface {
	// DocumentSize returns the sums over packageID's versions that anyone
	// may be served (state live or deprecated): how many there are, and
	// how many of them have a fragment (PutVersionDoc) with Bytes >= 0
	// and what those Bytes add up to. The backend keeps them in the
	// transaction of every InsertVersion, UpdateVersion and
	// PutVersionDoc, so they are current inside the caller's
	// transaction, its own writes included. A package with no versions
	// answers zeros, not an error.
	DocumentSize(packageID int64) (core.DocSize, error)
	// StoredFullDocument returns the full form of name's stored document
	// and whether it is stale (then full is empty): what clients were
	// served at its generation. core.ErrNotFound if there is none.
	StoredFullDocument(name string) (full []byte, stale bool, err error)
}
