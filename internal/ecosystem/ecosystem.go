// Package ecosystem is the seam between the registry and one ecosystem's
// wire format. The registry's rules (who may publish, immutable versions,
// unpublish policy, dist-tags, owners) are the same for every ecosystem;
// what differs is how names and versions are spelled and which documents
// the ecosystem's clients read. Each ecosystem implements Format in its
// own package (internal/ecosystem/npm today; a Go module format next),
// and the composition root hands it to the registry, which imports this
// package only, never an implementation.
package ecosystem

import "github.com/rampart/rampart/internal/core"

// Format is one ecosystem's wire format, as the registry needs it. Every
// method is pure: no storage, no network; errors are core errors whose
// messages reach the ecosystem's users verbatim.
type Format interface {
	// Ecosystem is the ecosystem this format serves.
	Ecosystem() core.Ecosystem
	// ValidateName checks a new package name (core.KindInvalid, saying
	// what is wrong and how to fix it).
	ValidateName(name string) error
	// ValidateVersion checks a version string.
	ValidateVersion(version string) error
	// ValidateTag checks a dist-tag name.
	ValidateTag(tag string) error
	// ArtifactFilename is the last path element of the URL a version's
	// artifact (npm's tarball, a Go module zip) is downloaded from.
	ArtifactFilename(name, version string) string
	// Highest is the version a client takes for newest when no tag says
	// otherwise (npm: the highest semver release, else prerelease); ""
	// if none of versions is one.
	Highest(versions []string) string
	// Documents builds the documents the ecosystem's clients read about
	// one package (npm: the full and abbreviated packuments, raw and
	// gzipped), from the package's state.
	Documents(st PackageState) (*core.Document, error)
	// RenderVersion renders one live version's fragments of the full and
	// the abbreviated documents, byte for byte as Documents encodes the
	// version inside them, so that the registry can render each version
	// once and assemble documents from the fragments (Assemble).
	RenderVersion(p *core.Package, v *core.Version, publisher *core.User, artifactURL string) (full, abbrev []byte, err error)
	// Assemble prepares the documents of a package from its state and its
	// live versions' fragments: the same bytes as Documents, without
	// encoding any version again.
	Assemble(st Parts) (Assembly, error)
	// VersionBytes is what live version v, whose full fragment
	// (RenderVersion) is fullLen bytes long, adds to the full document's
	// length: the store keeps their sum (core.DocSize), so that Assembly.Size
	// can answer from it (Parts.Counted) without every version.
	VersionBytes(v *core.Version, fullLen int64) int64
}

// Parts is what a package's documents are assembled from.
type Parts struct {
	Package     *core.Package
	Tags        map[string]string // dist-tag -> version
	Maintainers []core.User
	// Live are the live versions, sorted by version string, each with
	// its fragments in Frags (RenderVersion).
	Live  []*core.Version
	Frags map[string]core.VersionDoc
	// Counted, when set, stands for every live version, for Size alone:
	// Live then holds only the version the top level is taken from (the
	// one tagged "latest"), Frags nothing, and Document fails. Its
	// Counted must equal its Live.
	Counted *core.DocSize
}

// Assembly is a package's documents ready to assemble. Size needs only
// the fragments' lengths; Document needs their bodies.
type Assembly interface {
	// Size is the length of the full document, what the registry's
	// document size limit bounds, without assembling it.
	Size() int64
	// Document assembles every form of the documents.
	Document() (*core.Document, error)
}

// PackageState is what a Format builds a package's documents from.
type PackageState struct {
	Package     *core.Package
	Versions    []core.Version    // every version, unpublished ones too; the format serves the live ones only
	Tags        map[string]string // dist-tag -> version
	Maintainers []core.User
	Publishers  map[int64]*core.User // by user ID, every version's publisher
	// ArtifactURL is the absolute download URL of a version's artifact.
	ArtifactURL func(version string) string
}
