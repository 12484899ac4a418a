package core

import "time"

// The upstream proxy's event types (internal/upstream).
const (
	// EventUpstreamPin: the digest of a proxied name@version was recorded
	// the first time the registry saw it, so that other bytes under it
	// are refused later (as Go's checksum database does for modules).
	EventUpstreamPin = "upstream.pin"
	// EventUpstreamMismatch: an upstream offered other bytes (another
	// integrity) for a name@version pinned before; refused.
	EventUpstreamMismatch = "upstream.mismatch"
)

// UpstreamPin is the first-seen integrity of a proxied version.
type UpstreamPin struct {
	Ref       PackageRef
	Version   string
	Upstream  string // the upstream's configured name
	Integrity string // SRI, "sha512-..." (or "sha1-..." when the upstream gave only a shasum)
	FirstSeen time.Time
}
