package upstream

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// The evidence of a proxied version the scan held: its tarball's bytes
// are kept in the blob store under their SHA-512 digest, recorded with
// the hold (core.UpstreamHold.Digest), so that the moderators read its
// files and each flagged file around the finding, as for a local
// version. The bytes are never served while held: the one path that
// serves proxied bytes (Tarball) refuses a held or confirmed version
// before it opens a blob, and every other path that opens blobs by
// digest takes the digest from a local version's row. A released version
// is served from the kept bytes, without fetching them again.

// ReadEvidence reads an artifact for its evidence (internal/quarantine's
// reader and bounds, injected): its files and where each finding's
// excerpt stands.
type ReadEvidence func(r io.Reader, findings []core.ScanFinding) ([]EvidenceFile, []FindingContext, error)

// EvidenceFile is one file of a held artifact.
type EvidenceFile struct {
	Path   string
	Size   int64
	SHA256 string
	Binary bool
}

// FindingContext is a finding's excerpt in its file: the lines around
// it, from line First, those it covers marked in Match; Note says why
// there are none.
type FindingContext struct {
	Rule, File string
	First      int
	Lines      []string
	Match      []int
	Note       string
}

// Evidence is what a moderator reads of a held proxied version.
type Evidence struct {
	Hold     *core.UpstreamHold
	Findings []core.ScanFinding
	Files    []EvidenceFile
	Contexts []FindingContext
	// Unreadable says why the files cannot be shown ("" when they are).
	Unreadable string
}

// Evidence gathers the evidence of the held (or decided) proxied
// name@version; the caller must be a moderator.
func (s *Service) Evidence(ctx context.Context, p authz.Principal, name, version string) (*Evidence, error) {
	h, err := s.Hold(ctx, p, name, version)
	if err != nil {
		return nil, err
	}
	ev := &Evidence{Hold: h}
	if len(h.Findings) > 0 {
		if err := json.Unmarshal(h.Findings, &ev.Findings); err != nil {
			ev.Unreadable = "the findings stored with this hold cannot be read: " + err.Error()
			return ev, nil
		}
	}
	switch {
	case h.Digest == "":
		ev.Unreadable = "the bytes of this version were not kept (it was held before this registry kept the evidence of proxied versions)"
	case s.d.Evidence == nil:
		ev.Unreadable = "this registry cannot read artifacts for evidence"
	default:
		r, _, err := s.d.Blobs.Open(ctx, blob.Digest(h.Digest))
		if errors.Is(err, core.ErrNotFound) {
			ev.Unreadable = "the bytes of this version are no longer stored"
			return ev, nil
		}
		if err != nil {
			return nil, err
		}
		defer r.Close()
		if ev.Files, ev.Contexts, err = s.d.Evidence(r, ev.Findings); err != nil {
			ev.Unreadable = "the kept bytes cannot be read: " + err.Error()
		}
	}
	return ev, nil
}

// fileDigest is the blob digest (hex SHA-512) of tmp's bytes.
func fileDigest(tmp *os.File) (string, error) {
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	h := sha512.New()
	if _, err := io.Copy(h, tmp); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// keepEvidence stores the bytes the scan held under digest, once their
// hold is recorded; a failure only costs the evidence page its files
// (logged), and a release then fetches the bytes again.
func (s *Service) keepEvidence(ctx context.Context, tmp *os.File, digest string) {
	_, err := tmp.Seek(0, io.SeekStart)
	if err == nil {
		err = s.d.Blobs.Put(ctx, blob.Digest(digest), tmp)
	}
	if err != nil {
		s.d.Log.Warn("upstream: the held version's bytes were not kept as evidence", "digest", digest, "err", err)
	}
}

// storedDigest is the digest f's bytes are stored under: a released
// hold's kept bytes (whatever the pin's algorithm), else the pinned
// SHA-512 integrity's; false when neither names one.
func storedDigest(sc *screening, f file) (blob.Digest, bool) {
	if h, ok := sc.holds[f.version]; ok && h.State == core.UpstreamReleased && h.Digest != "" && h.Integrity == f.integrity {
		return blob.Digest(h.Digest), true
	}
	return digestOf(f.integrity)
}

// DecidedVersions lists the proxied versions moderators released or
// confirmed, the newest decision first.
func (s *Service) DecidedVersions(ctx context.Context, p authz.Principal, limit, offset int) ([]core.UpstreamHold, int, error) {
	return s.listHolds(ctx, p, func(tx store.Tx) ([]core.UpstreamHold, int, error) { return tx.DecidedUpstreamHolds(limit, offset) })
}
