package ecosystem

import (
	"io"
	"os"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// Uploads is a Format that accepts publishes: it turns one upload body of
// its ecosystem into the neutral Publish the registry's pipeline runs on.
// The registry decides everything that needs the store (who may publish,
// used versions, held names); the format decides everything that needs
// the ecosystem's bytes (the body's shape, the artifact's contents, the
// manifest served), before a byte is stored.
type Uploads interface {
	Format
	// ParseUpload reads one upload body from r within lim, streaming the
	// artifact into scratch (an unlinked file the caller owns and closes)
	// so that memory does not grow with it, and checks it: declared
	// digests against the bytes, the artifact's contents, the manifest.
	// urlName is the package named by the request; a body for another
	// package is refused. Errors of r (a size limit, a deadline) come
	// back as they are, for the caller to map.
	ParseUpload(r io.Reader, urlName string, lim limits.Limits, scratch *os.File) (*Publish, error)
	// RequestTooLarge is the refusal of a body declared larger than
	// lim.PublishBodyBytes(), in the words of the ecosystem's client.
	RequestTooLarge(lim limits.Limits) error
}

// Scopes is a Format whose names may carry a scope (npm's @scope/name),
// which belongs to the user of the same name (docs/policies/scopes.md).
type Scopes interface {
	// Scope returns name's scope without its marker, "" for none.
	Scope(name string) string
}

// Revisions is a Format whose clients write back a document read at a
// revision (npm's "_rev"), so that a write from a stale read is refused.
type Revisions interface {
	// Rev is the revision p's document carries.
	Rev(p *core.Package) string
	// Changes compares sent, the document a client wrote back for name,
	// with current, the full document as served now, and returns what it
	// changes; anything else that differs is refused, saying how to
	// change it instead.
	Changes(name string, current []byte, sent map[string]any) (*RevisionChange, error)
}

// RevisionChange is what a document written back changes, in the
// registry's terms.
type RevisionChange struct {
	Unpublish   []string          // live versions the document no longer lists
	Deprecate   map[string]string // version -> new message ("" clears)
	Maintainers []string          // the new owner list; nil if unchanged
}

// Publish is one version's upload, parsed and checked by its Format:
// everything the registry's publish pipeline needs, and nothing of the
// ecosystem's wire format but the opaque manifest it serves back.
type Publish struct {
	Ref     core.PackageRef
	Version string
	// Tag is the dist-tag the version gets ("latest" unless asked).
	Tag string
	// Access is "public" or "restricted" (the format refuses what its
	// ecosystem cannot restrict).
	Access      string
	Artifact    Artifact
	Metadata    Metadata
	Attachments []Attachment
	// Secrets are the credentials found in the artifact's files
	// (internal/secretfind), each with the file it was found in; the
	// publish's scan stage decides what they mean.
	Secrets []Secret
}

// Secret is a credential found in one of the artifact's files. It never
// holds the credential itself.
type Secret struct {
	// File is the path inside the artifact, as the archive names it.
	File string
	// Kind, Name and Rotate are the format's (secretfind.Kind): its id,
	// what it is, and where its owner replaces it.
	Kind, Name, Rotate string
	// Hash is the SHA-256 hex (token.Hash) of one of this registry's own
	// tokens; "" for any other kind.
	Hash string
}

// Artifact is the uploaded file (npm's tarball, a Go module zip), held
// in a scratch file, hashed as it arrived; the declared digests have been
// checked against these.
type Artifact struct {
	// File holds the artifact's bytes at offsets [0, Size).
	File io.ReaderAt
	Size int64
	// SHA512 is the raw SHA-512 digest: the blob key is its hex form.
	SHA512 []byte
	// Integrity is the subresource-integrity string ("sha512-<base64>").
	Integrity string
	// Shasum is the SHA-1 hex digest, which older npm clients check.
	Shasum string
	// FileCount and UnpackedSize describe the artifact's contents.
	FileCount    int
	UnpackedSize int64
}

// Open returns a reader of the whole artifact, from its start.
func (a Artifact) Open() io.Reader { return io.NewSectionReader(a.File, 0, a.Size) }

// Metadata is what the core needs to know of a version beyond its bytes.
type Metadata struct {
	// Description and Keywords (space separated) describe the package
	// on the web UI and in search, each bounded.
	Description, Keywords string
	// Dependencies are the names the version depends on (every kind but
	// development), sorted.
	Dependencies []string
	// HasInstallScript says that installing the version runs its code.
	HasInstallScript bool
	// License is the declared licence expression, "" if none.
	License string
	// Manifest is the ecosystem's own manifest of the version, opaque to
	// the core: the format builds its documents from it.
	Manifest []byte
}

// An Attachment is a file sent with the upload that is not the artifact.
type Attachment struct {
	Kind AttachmentKind
	// MediaType is the attachment's type as sent.
	MediaType string
	Data      []byte
}

// AttachmentKind says what an attachment is.
type AttachmentKind string

// AttachmentProvenance is a Sigstore bundle attesting to how the artifact
// was built (npm publish --provenance); the publish pipeline verifies it
// (internal/provenance) before it is stored.
const AttachmentProvenance AttachmentKind = "provenance"

// Attachment returns the first attachment of kind k, nil if none.
func (p *Publish) Attachment(k AttachmentKind) *Attachment {
	for i := range p.Attachments {
		if p.Attachments[i].Kind == k {
			return &p.Attachments[i]
		}
	}
	return nil
}
