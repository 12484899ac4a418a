package core

// The event types of a version's quarantine. Nothing quarantines yet:
// the malware scan (a publish stage) and moderation will record them; the
// package notices already mail the maintainers of each.
const (
	EventQuarantine        = "package.quarantine"         // a version was held as possibly malicious: served to no one
	EventQuarantineRelease = "package.quarantine_release" // a held version was released: served again
)
