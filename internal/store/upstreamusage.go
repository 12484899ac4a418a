package store

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// UpstreamUsage is what the operator and the moderators read of the
// proxied packages (internal/upstream): their downloads, counted as local
// ones are (once per source and day, internal/downloads), the packages
// served, and the holds already decided.
type UpstreamUsage interface {
	// CountUpstreamDownload counts one complete download of the proxied
	// ref@version on day from source (an HMAC of the client's address),
	// once per source and day: false if source was counted already.
	CountUpstreamDownload(ref core.PackageRef, version, upstream string, day time.Time, source string) (bool, error)
	// SweepUpstreamDownloadSources forgets the sources of days before
	// before; their counts stay.
	SweepUpstreamDownloadSources(before time.Time) (int64, error)
	// ProxiedPackages lists the proxied packages of an ecosystem that
	// have pinned versions, by name, those starting with prefix, a page,
	// with downloads counted since since; and how many match in all.
	ProxiedPackages(ecosystem core.Ecosystem, prefix string, since time.Time, limit, offset int) ([]core.ProxiedPackage, int, error)
	// ProxiedVersions lists a proxied package's pinned versions that were
	// downloaded or held, newest pin first, at most limit.
	ProxiedVersions(ref core.PackageRef, since time.Time, limit int) ([]core.ProxiedVersion, error)
	// DecidedUpstreamHolds lists the holds moderators released or
	// confirmed, the newest decision first, a page; and how many in all.
	DecidedUpstreamHolds(limit, offset int) ([]core.UpstreamHold, int, error)
	// UpstreamHoldDigests lists the blob digests of the bytes kept as
	// holds' evidence, in any state, so that orphan collection spares
	// them.
	UpstreamHoldDigests() ([]string, error)
}
