package core

import "time"

// The advisory event types (internal/advisory).
const (
	// EventAdvisoryImport: an advisory was added or changed by an import
	// (a folder or zip of OSV records, or the scheduled pull), a
	// withdrawal included.
	EventAdvisoryImport = "advisory.import"
	// EventAdvisoryMalicious: Rampart published a malicious-package
	// advisory (MAL-YYYY-NNNN) of its own.
	EventAdvisoryMalicious = "advisory.malicious"
)

// Advisory is one OSV record as stored: the record's bytes, and what the
// store indexes and lists of it. Record is the whole truth; the other
// fields are copies of what it says, kept for lookups.
type Advisory struct {
	ID        string
	Modified  time.Time
	Published time.Time // zero if the record says none
	Withdrawn time.Time // zero unless withdrawn
	Summary   string
	Severity  string // in npm's words: low, moderate, high, critical
	Source    string // where it came from: "rampart", or the import's folder, zip or URL
	// Packages are the packages it names, the store's index.
	Packages []PackageRef
	Record   []byte // the OSV JSON
}
