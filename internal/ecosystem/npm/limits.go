package npm

import "github.com/rampart/rampart/internal/limits"

// npm's own bounds on untrusted input: versions and dist-tags as npm's
// semver and CLI accept them, and the audit request. They sit with
// npm's wire format (issue 8: the npm-specific limits move into the npm
// ecosystem package); the bounds every ecosystem shares, and those an
// operator sets ([limits]), stay in internal/limits. docs/limits.md lists
// them all. The tarball's are in package tarball.
const (
	// MaxVersionLength bounds a version string.
	MaxVersionLength = 256
	// MaxTagLength bounds a dist-tag name.
	MaxTagLength = 128
	// MaxVersionNumber bounds each of major, minor and patch. npm's semver
	// refuses numbers above JavaScript's Number.MAX_SAFE_INTEGER, so a
	// version beyond it could be published but never installed.
	MaxVersionNumber = 1<<53 - 1
	// MaxAuditBytes bounds the audit request (npm audit, and the audit
	// after every install) after gzip is undone. It is counted as gzip
	// inflates, so a few KiB of gzip cannot become hundreds of MiB.
	// 20000 packages with long names fit.
	MaxAuditBytes = 4 * limits.MiB
	// MaxAuditPackages bounds the packages named in one audit request;
	// a large monorepo's lockfile has a few thousand.
	MaxAuditPackages = 20000
	// MaxAuditVersions bounds the versions listed in one audit request,
	// all packages together.
	MaxAuditVersions = 50000
)
