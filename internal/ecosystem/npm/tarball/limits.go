package tarball

import "github.com/rampart/rampart/internal/limits"

// The bounds on an npm tarball's contents (docs/limits.md lists them
// with the others). Those an operator sets (sizes, file count, expansion
// ratio) are in limits.Limits; these are npm's format's own.
const (
	// MaxPathLength bounds one path inside a tarball.
	MaxPathLength = 1024
	// MaxPackageJSONBytes bounds package.json inside a tarball.
	MaxPackageJSONBytes = 1 * limits.MiB
	// MaxReadmeBytes bounds the README kept in a packument.
	MaxReadmeBytes = 512 * 1024
	// ExpansionGraceBytes is how much a tarball may unpack to before
	// Limits.ExpansionRatio is enforced: the first blocks of any gzip stream
	// (tar headers, package.json) compress far better than the rest, so a
	// ratio taken over a few KiB would refuse honest packages.
	ExpansionGraceBytes = 1 * limits.MiB
)

// MaxPAXHeaderBytes bounds the records of one PAX extended header in a
// package tarball. npm pack writes one only for a long or non-ASCII path
// (at most MaxPathLength bytes) or link target, so a few KiB is plenty;
// node-tar ignores headers over 1 MiB while Go's archive/tar refuses
// them, and a bound well below both keeps the two from disagreeing.
const MaxPAXHeaderBytes = 8 * 1024
