// Package blob defines Rampart's content-addressed blob store: the place
// where package files (npm tarballs, later Go module zips) are kept.
//
// A blob is named by the SHA-512 of its bytes, so it is stored once however
// many versions or packages refer to it, and a name can never come to mean
// other bytes. Blobs are immutable: there is no way to overwrite one, only
// to delete it (which garbage collection does once nothing refers to it).
//
// Store is the contract every backend meets (the filesystem backend in
// fsblob; an S3 backend later). The blobtest package holds the conformance
// suite each backend runs in its tests; a backend that passes it may be used
// wherever a Store is wanted.
package blob

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"io"
	"os"
	"time"
)

// Digest is the lowercase hex SHA-512 of a blob's bytes: 128 characters
// from 0-9a-f. It names the blob in every Store.
type Digest string

// DigestOf returns the digest of b.
func DigestOf(b []byte) Digest {
	sum := sha512.Sum512(b)
	return Digest(hex.EncodeToString(sum[:]))
}

// Valid reports whether d is well formed: exactly 128 lowercase hex
// characters. Stores refuse any other digest before touching storage, so a
// digest taken from a request can never name a path of its own choosing.
func (d Digest) Valid() bool {
	if len(d) != 2*sha512.Size {
		return false
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// String returns the digest as text.
func (d Digest) String() string { return string(d) }

// Store keeps immutable blobs by digest. A Store is safe for concurrent use
// by many goroutines, and by many processes sharing the same storage (the
// replicas of a scaled deployment) unless a backend documents otherwise.
//
// Errors:
//   - A digest that is not Valid is refused by every method with an error of
//     kind core.KindInvalid, before storage is touched.
//   - Open and Stat report an absent blob with an error that wraps
//     core.ErrNotFound, so errors.Is(err, core.ErrNotFound) holds.
//   - Bytes that do not hash to the digest they were put under are refused
//     with an error of kind core.KindInvalid.
//   - A cancelled ctx makes a method fail with an error wrapping ctx.Err(),
//     leaving the store as it was.
//   - Any other error is a fault of the backend (core.KindInternal).
type Store interface {
	// Put stores the bytes read from r under d. It reads r to EOF, hashing
	// as it writes, and if the bytes do not hash to d it fails with an
	// error of kind core.KindInvalid and leaves nothing behind. If reading
	// r fails, Put returns that error (wrapped) and likewise leaves nothing
	// behind.
	//
	// Put is idempotent: if a blob with digest d already exists, Put still
	// reads r to EOF and verifies that it hashes to d, then returns nil
	// without rewriting the stored blob. Concurrent Puts of the same digest
	// all succeed (if their bytes are right) and leave one blob.
	//
	// Put is atomic and durable: the blob becomes visible to Open, Stat and
	// List only once it is complete and durably stored (fsync'ed, or the
	// backend's equivalent), and a crash at any point leaves either no
	// blob or the whole blob, never part of one. When Put returns nil the
	// blob survives a crash.
	//
	// Put does not bound the size of r: callers wrap untrusted bodies in a
	// limit (see internal/limits) before handing them over.
	Put(ctx context.Context, d Digest, r io.Reader) error

	// Open returns a reader over the blob's bytes and the blob's size in
	// bytes, or an error wrapping core.ErrNotFound if there is no blob d.
	// The reader supports Seek (io.SeekStart, io.SeekCurrent, io.SeekEnd)
	// so that HTTP range requests can be served from it. The caller must
	// Close it. A blob deleted while open may stay readable through the
	// reader already returned.
	Open(ctx context.Context, d Digest) (io.ReadSeekCloser, int64, error)

	// Stat returns the size in bytes of blob d, or an error wrapping
	// core.ErrNotFound if there is no blob d.
	Stat(ctx context.Context, d Digest) (int64, error)

	// Delete removes blob d. Deleting an absent blob is not an error.
	// Callers (garbage collection) must make sure nothing refers to d and
	// no Put of d is under way: a Delete racing a Put of the same digest
	// may remove the blob that Put has just reported as stored.
	Delete(ctx context.Context, d Digest) error

	// List calls fn once for every stored blob, in no particular order. It
	// stops at the first error fn returns and returns that error unchanged.
	// Blobs put or deleted while List runs may or may not be seen. List is
	// for garbage collection and for the conformance suite's check that a
	// store is empty; it is not on any request path.
	List(ctx context.Context, fn func(Digest) error) error
}

// Scratcher is implemented by stores that can hand out a scratch file on
// their own storage: an upload is spooled there while it is checked,
// before it is Put, so that it never has to be held in memory and lands
// on the disk the operator sized for package files (not a /tmp that may
// live in memory). The file is already unlinked, or otherwise gone once
// closed: a crash leaves nothing behind.
type Scratcher interface {
	Scratch() (*os.File, error)
}

// URLSigner is implemented by stores that can hand out a time-limited URL
// from which a client downloads a blob straight from the storage, without
// credentials and without the bytes passing through Rampart: S3 presigned
// URLs. Callers find it by type assertion (s.(blob.URLSigner)); a store
// without it is read through Open, as the filesystem store always is.
//
// SignedURL returns an absolute http or https URL at which a GET answers
// exactly the bytes of blob d until ttl has passed, and refuses them
// afterwards. The URL is a bearer credential for that time: it is not
// logged. Errors:
//   - A digest that is not Valid, or a ttl that is not positive or longer
//     than the backend allows (S3: 7 days), is refused with an error of
//     kind core.KindInvalid, before storage is touched.
//   - SignedURL need not check that d exists (presigning is a local
//     computation, with no round trip); a URL for an absent blob is
//     answered with the storage's own not-found. Callers sign only
//     digests the metadata store lists.
//   - A cancelled ctx makes it fail with an error wrapping ctx.Err().
//
// When the read path would redirect to it: a tarball GET (internal/npm
// getTarball over registry.OpenTarball) may answer 302 with a signed URL,
// instead of streaming from Open, when the store implements URLSigner and
// the operator turned redirects on, and only after every check the
// stream makes but hashing the bytes (the version exists, is servable and
// readable by the caller). Rampart then sees no bytes, so a damaged blob
// is caught by `rampart admin blobs verify` and by the client, which
// checks dist.integrity (SHA-512) in the document, not before sending;
// and a download is counted when the redirect is sent, not when the
// transfer completes. The ttl only needs to cover the client's request
// (a minute): the URL must not outlive a later unpublish by much. No
// backend implements URLSigner yet and the read path does not redirect;
// a backend that does runs blobtest.RunURLSigner beside blobtest.Run.
type URLSigner interface {
	SignedURL(ctx context.Context, d Digest, ttl time.Duration) (string, error)
}
