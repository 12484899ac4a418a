package core

import "time"

// The states of a proxied version the malware scan held.
const (
	UpstreamHeld      = "held"      // neither stored nor served until decided
	UpstreamReleased  = "released"  // a false positive: served, not scanned again
	UpstreamConfirmed = "confirmed" // malicious: never served (a MAL- advisory names it)
)

// UpstreamHold is a proxied name@version the malware scan held on its
// first download (internal/upstream), and the moderators' decision.
type UpstreamHold struct {
	Ref       PackageRef
	Version   string
	Upstream  string // the upstream's configured name
	Integrity string // the pinned integrity of the bytes scanned
	// Reason is the first finding and how many more there are.
	Reason string
	// Findings are the scan's findings, as JSON (rule, file, excerpt).
	Findings []byte
	At       time.Time
	State    string // UpstreamHeld, UpstreamReleased or UpstreamConfirmed
	// DecidedBy, DecidedAt and Decision are the moderator's, once
	// decided; Advisory is the MAL- id of a confirmation.
	DecidedBy string
	DecidedAt time.Time
	Decision  string
	Advisory  string
	// Digest is the blob digest (hex SHA-512) of the bytes scanned,
	// kept as evidence while held and served once released; "" for a
	// hold recorded before they were kept.
	Digest string
}
