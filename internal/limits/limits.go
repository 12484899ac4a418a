// Package limits is the one place where Rampart bounds untrusted input.
// Every entry point (the npm front-end, the web UI, the JSON API) reads its
// bounds from a Limits value, and every parser of untrusted bytes checks
// them while it reads, never after buffering everything.
//
// docs/limits.md lists each limit with its default and the error a client
// sees when it is crossed; keep the two in step.
package limits

import (
	"fmt"
	"time"
)

const (
	// MiB is a mebibyte.
	MiB = 1 << 20

	// MaxNameLength is npm's limit on a package name, scope included.
	MaxNameLength = 214
	// MaxVersionLength bounds a version string named in the ecosystem-
	// neutral APIs (reports, the OSV API, malicious-package advisories):
	// no ecosystem's is longer (npm's own bound, ecosystem/npm, is 256).
	MaxVersionLength = 256
	// MaxDistTags bounds the dist-tags of one package: each one is in
	// every copy of the package's document.
	MaxDistTags = 1000
	// MaxDeprecationBytes bounds one version's deprecation message.
	MaxDeprecationBytes = 1024
	// MaxJSONBodyBytes bounds a JSON request that carries no tarball
	// (login, tokens, dist-tags, owners, version unpublish). A
	// deprecation is a PUT /<name>, bounded by Limits.ManifestBytes.
	MaxJSONBodyBytes = 8 * MiB
	// MaxPasswordBytes bounds a password before it is hashed, so that a
	// huge password cannot be used to burn CPU in argon2.
	MaxPasswordBytes = 1024
	// MaxTokenNameLength bounds the name given to an API token, shown in
	// token lists, mails and the account page.
	MaxTokenNameLength = 128
	// MaxTokenPackages bounds the package names and scope patterns one
	// API token may be limited to.
	MaxTokenPackages = 1000
	// MaxTokenCIDRs bounds the address ranges one API token may be
	// limited to.
	MaxTokenCIDRs = 100
	// MaxProvenanceBytes bounds the sigstore bundle attached to a publish
	// with --provenance. Real bundles are a few tens of KiB; without a bound
	// the attachment would be a way around ManifestBytes.
	MaxProvenanceBytes = 1 * MiB
	// MaxUploadsPerAccount bounds the PUT /<name> bodies (publishes and
	// deprecations) one account may be sending at once. A slow or stalled
	// upload then holds only its own account's slots, never another
	// user's publish.
	MaxUploadsPerAccount = 4
	// MaxUploadsQueuedPerAccount bounds the PUT /<name> requests of one
	// account waiting for one of its upload slots, their bodies unread;
	// past it the request is refused with 429.
	MaxUploadsQueuedPerAccount = 16
	// MaxPublishesProcessing bounds the publishes, server-wide, that are
	// past receiving their body and in the CPU and database phase
	// (unpacking, hashing, storing, the transaction). It is taken only
	// once the whole body is in, so a slow client cannot hold it.
	MaxPublishesProcessing = 2
	// MaxBackgroundTasks bounds the server's background tasks under way at
	// once (internal/background): the periodic jobs and the work a change
	// starts once committed, mailing its notices. With a relay that hangs,
	// a flood of changes must not pile up goroutines without end; past it
	// a task is refused and logged (the change's event stays the record).
	MaxBackgroundTasks = 64
	// MaxEchoBytes bounds how much of a rejected value an error message
	// quotes back, so that a huge bad name does not become a huge response.
	MaxEchoBytes = 256

	// MaxLoggedBytes bounds how much of a client-chosen value (a URL, a
	// header) one log line carries: a 100 KiB query string must not become
	// a 100 KiB log line at error level.
	MaxLoggedBytes = 1024

	// MaxSearchTextBytes bounds the text of a search (npm search's text=,
	// the web UI's q=). It also keeps each LIKE pattern far below SQLite's
	// limit on pattern length.
	MaxSearchTextBytes = 256
	// MaxSearchSize is the most results one search page may ask for
	// (npm search's size=; the public npm registry's maximum too).
	MaxSearchSize = 250
	// MaxSearchFrom bounds how deep into the results a search may page
	// (from=): an OFFSET makes the database walk every row before it.
	MaxSearchFrom = 10000

	// HeaderTimeout bounds the time to receive a request's headers.
	HeaderTimeout = 10 * time.Second
	// IdleTimeout is how long a kept-alive connection may wait for its
	// next request.
	IdleTimeout = 120 * time.Second
)

// Limits holds the bounds an operator may change in the config file.
// The zero value is not valid; start from Default.
type Limits struct {
	// TarballBytes bounds a package tarball as uploaded (compressed).
	TarballBytes int64 `toml:"tarball_bytes" json:"tarball_bytes"`
	// UnpackedBytes bounds the sum of a tarball's file sizes after
	// decompression: a gzip bomb stops here.
	UnpackedBytes int64 `toml:"unpacked_bytes" json:"unpacked_bytes"`
	// ExpansionRatio bounds unpacked size over compressed size, checked
	// once more than 1 MiB has been unpacked.
	ExpansionRatio int64 `toml:"expansion_ratio" json:"expansion_ratio"`
	// Files bounds the number of entries in a tarball.
	Files int `toml:"files" json:"files"`
	// ManifestBytes bounds the publish document without its attachments.
	ManifestBytes int64 `toml:"manifest_bytes" json:"manifest_bytes"`
	// MinBytesPerSecond is the slowest a request body may arrive, and a
	// response be taken, on average after BodyGraceSeconds: a connection
	// that promises a body and never sends it is cut instead of being
	// held forever. See BodyTimeout.
	MinBytesPerSecond int64 `toml:"min_bytes_per_second" json:"min_bytes_per_second"`
	// BodyGraceSeconds is the time a body (or a response write) gets on
	// top of its size at MinBytesPerSecond: latency, a slow start.
	BodyGraceSeconds int `toml:"body_grace_seconds" json:"body_grace_seconds"`
	// ConnectionsPerSource bounds the connections one client address (an
	// IPv6 /64) may hold open at once; trusted proxies are exempt.
	ConnectionsPerSource int `toml:"connections_per_source" json:"connections_per_source"`
	// DocumentBytes bounds a package's full packument as served, and so
	// the body of a revision update (npm sends the document back). A
	// publish that would make the document larger is refused: every
	// version adds its manifest, and readers fetch the whole document.
	DocumentBytes int64 `toml:"document_bytes" json:"document_bytes"`
	// Versions bounds the versions a package keeps live; unpublished ones
	// are not counted.
	Versions int `toml:"versions" json:"versions"`
}

// Default returns the limits Rampart ships with.
func Default() Limits {
	return Limits{
		TarballBytes:   100 * MiB,
		UnpackedBytes:  512 * MiB,
		ExpansionRatio: 200,
		Files:          10000,
		ManifestBytes:  16 * MiB,
		// 1 Mbit/s: the largest publish (PublishBodyBytes, about 149 MiB)
		// then has about 20 minutes.
		MinBytesPerSecond:    128 * 1024,
		BodyGraceSeconds:     20,
		ConnectionsPerSource: 256,
		DocumentBytes:        32 * MiB,
		Versions:             10000,
	}
}

// BodyTimeout is how long a body (or response) of n bytes may take: the
// grace plus n at MinBytesPerSecond. A slow client that keeps up with the
// rate is never cut; a stalled one is cut after about the grace.
func (l Limits) BodyTimeout(n int64) time.Duration {
	grace := time.Duration(l.BodyGraceSeconds) * time.Second
	return grace + time.Duration(float64(max(n, 0))/float64(l.MinBytesPerSecond)*float64(time.Second))
}

// PublishBodyBytes is the most a publish request body may hold: the
// tarball, base64-encoded, plus the manifest and JSON framing. The body is
// cut off at this size while it streams in.
func (l Limits) PublishBodyBytes() int64 {
	return l.TarballBytes/3*4 + 8 + l.ManifestBytes
}

// Validate reports a limit that makes no sense.
func (l Limits) Validate() error {
	switch {
	case l.TarballBytes <= 0:
		return fmt.Errorf("limits.tarball_bytes must be positive, got %d", l.TarballBytes)
	case l.UnpackedBytes < l.TarballBytes:
		return fmt.Errorf("limits.unpacked_bytes (%d) must be at least limits.tarball_bytes (%d)", l.UnpackedBytes, l.TarballBytes)
	case l.ExpansionRatio < 2:
		return fmt.Errorf("limits.expansion_ratio must be at least 2, got %d", l.ExpansionRatio)
	case l.Files <= 0:
		return fmt.Errorf("limits.files must be positive, got %d", l.Files)
	case l.ManifestBytes <= 0:
		return fmt.Errorf("limits.manifest_bytes must be positive, got %d", l.ManifestBytes)
	case l.MinBytesPerSecond <= 0:
		return fmt.Errorf("limits.min_bytes_per_second must be positive, got %d", l.MinBytesPerSecond)
	case l.BodyGraceSeconds <= 0:
		return fmt.Errorf("limits.body_grace_seconds must be positive, got %d", l.BodyGraceSeconds)
	case l.ConnectionsPerSource <= 0:
		return fmt.Errorf("limits.connections_per_source must be positive, got %d", l.ConnectionsPerSource)
	case l.DocumentBytes <= 0:
		return fmt.Errorf("limits.document_bytes must be positive, got %d", l.DocumentBytes)
	case l.Versions <= 0:
		return fmt.Errorf("limits.versions must be positive, got %d", l.Versions)
	}
	return nil
}
