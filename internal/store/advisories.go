package store

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// Advisories holds OSV advisories (internal/advisory): imported ones and
// Rampart's own malicious-package ones, indexed by the packages they
// name so that a package's advisories are found without a scan.
type Advisories interface {
	// PutAdvisory writes an advisory, replacing the one with its ID and
	// its package index whole.
	PutAdvisory(a *core.Advisory) error
	// Advisory is the advisory id, or an error wrapping ErrNotFound.
	Advisory(id string) (*core.Advisory, error)
	// AdvisoriesFor lists the advisories naming ref, withdrawn ones
	// included, by ID.
	AdvisoriesFor(ref core.PackageRef) ([]core.Advisory, error)
	// ListAdvisories lists up to limit advisories after skipping offset,
	// newest modified first, then by ID; withdrawn ones only if asked.
	ListAdvisories(offset, limit int, withdrawn bool) ([]core.Advisory, error)
	// AdvisoryModified is the modified time of each advisory stored, by
	// ID: what an import compares with, in one read.
	AdvisoryModified() (map[string]time.Time, error)
	// NextMaliciousNumber allocates the next number of year's MAL-
	// advisories, from 1, in the transaction: a rolled-back one is
	// allocated again, and two transactions never get the same one.
	NextMaliciousNumber(year int) (int, error)
}
