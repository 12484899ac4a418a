// Package limits is the one place where Rampart bounds untrusted input.
// Every entry point (the npm front-end, the web UI, the JSON API) reads its
// bounds from a Limits value, and every parser of untrusted bytes checks
// them while it reads, never after buffering everything.
//
// docs/limits.md lists each limit with its default and the error a client
// sees when it is crossed; keep the two in step.
package limits

import "fmt"

const (
	// MiB is a mebibyte.
	MiB = 1 << 20

	// MaxNameLength is npm's limit on a package name, scope included.
	MaxNameLength = 214
	// MaxVersionLength bounds a version string.
	MaxVersionLength = 256
	// MaxTagLength bounds a dist-tag name.
	MaxTagLength = 128
	// MaxDistTags bounds the dist-tags of one package: each one is in
	// every copy of the package's document.
	MaxDistTags = 1000
	// MaxDeprecationBytes bounds one version's deprecation message.
	MaxDeprecationBytes = 1024
	// MaxPathLength bounds one path inside a tarball.
	MaxPathLength = 1024
	// MaxPackageJSONBytes bounds package.json inside a tarball.
	MaxPackageJSONBytes = 1 * MiB
	// MaxJSONBodyBytes bounds a JSON request that carries no tarball
	// (login, tokens, dist-tags, owners, deprecate).
	MaxJSONBodyBytes = 8 * MiB
	// MaxPasswordBytes bounds a password before it is hashed, so that a
	// huge password cannot be used to burn CPU in argon2.
	MaxPasswordBytes = 1024
	// MaxTokenNameLength bounds the name given to an API token, shown in
	// token lists, mails and the account page.
	MaxTokenNameLength = 128
	// MaxReadmeBytes bounds the README kept in a packument.
	MaxReadmeBytes = 512 * 1024
	// MaxProvenanceBytes bounds the sigstore bundle attached to a publish
	// with --provenance. Real bundles are a few tens of KiB; without a bound
	// the attachment would be a way around ManifestBytes.
	MaxProvenanceBytes = 1 * MiB
	// MaxVersionNumber bounds each of major, minor and patch. npm's semver
	// refuses numbers above JavaScript's Number.MAX_SAFE_INTEGER, so a
	// version beyond it could be published but never installed.
	MaxVersionNumber = 1<<53 - 1
	// ExpansionGraceBytes is how much a tarball may unpack to before
	// Limits.ExpansionRatio is enforced: the first blocks of any gzip stream
	// (tar headers, package.json) compress far better than the rest, so a
	// ratio taken over a few KiB would refuse honest packages.
	ExpansionGraceBytes = 1 * MiB
	// MaxEchoBytes bounds how much of a rejected value an error message
	// quotes back, so that a huge bad name does not become a huge response.
	MaxEchoBytes = 256
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
		DocumentBytes:  32 * MiB,
		Versions:       10000,
	}
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
	case l.DocumentBytes <= 0:
		return fmt.Errorf("limits.document_bytes must be positive, got %d", l.DocumentBytes)
	case l.Versions <= 0:
		return fmt.Errorf("limits.versions must be positive, got %d", l.Versions)
	}
	return nil
}
