package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// AdvisoryImport: an import added or changed an advisory
// (EventAdvisoryImport): one event per advisory changed, so the log
// says which record the registry served from when. The event's package
// is empty: a record may name many.
type AdvisoryImport struct {
	ID        string    `event:"id"`
	Modified  time.Time `event:"modified"`  // the record's own modified time
	Withdrawn bool      `event:"withdrawn"` // the record is withdrawn
	Change    string    `event:"change"`    // "new" or "updated"
	Source    string    `event:"source"`    // the folder, zip or URL it came from
	Packages  []string  `event:"packages"`  // "ecosystem/name" of each package it names
}

// AdvisoryMalicious: Rampart published a malicious-package advisory of
// its own (EventAdvisoryMalicious); the event's package is the package.
type AdvisoryMalicious struct {
	ID       string   `event:"id"`
	Versions []string `event:"versions"`
	Summary  string   `event:"summary"`
}

func init() {
	register(AdvisoryImport{}, 1).by(Staff)
	register(AdvisoryMalicious{}, 1).by(Staff)
}

func (AdvisoryImport) Type() string    { return core.EventAdvisoryImport }
func (AdvisoryMalicious) Type() string { return core.EventAdvisoryMalicious }

// At is the event of p by actor ("" for the scheduled pull).
func (p AdvisoryImport) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor about the package pkg.
func (p AdvisoryMalicious) At(at time.Time, actor, pkg string) *core.Event {
	return newEvent(p, at, actor, pkg, "")
}
