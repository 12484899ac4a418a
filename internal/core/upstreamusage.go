package core

import "time"

// ProxiedPackage is what the operator sees of a package proxied from an
// upstream registry: how many of its versions are pinned, since when,
// how often it was downloaded through this registry lately, and its holds.
type ProxiedPackage struct {
	Ref       PackageRef
	Upstream  string
	Versions  int       // versions pinned
	FirstSeen time.Time // the first pin
	Downloads int64     // complete downloads since the time asked for
	Holds     int       // holds in any state
	Held      int       // holds still waiting for a moderator
}

// ProxiedVersion is one pinned version of a proxied package that was
// downloaded through this registry or held.
type ProxiedVersion struct {
	Version   string
	Integrity string // the pinned integrity
	FirstSeen time.Time
	Downloads int64  // since the time asked for
	Total     int64  // ever counted
	Hold      string // the hold's state, "" if none
}
