package registry

import (
	"fmt"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// refreshPublished is documents.Refresh after a publish of v, which is
// what makes a document grow: it refuses (and so rolls back) a publish
// that would take the package past limits.Versions live versions,
// limits.MaxDistTags dist-tags or its document past limits.DocumentBytes.
// It reads O(1) rows however many versions the package has
// (documents.Builder.Size).
func (s *Service) refreshPublished(tx packagesUsersDocuments, p *core.Package, changed ...*core.Version) error {
	// The whole transaction rolls back on a refusal below, the fragment
	// and the stale mark MarkChanged wrote included.
	if err := s.documents.MarkChanged(tx, p, changed...); err != nil {
		return err
	}
	d, err := s.documents.Size(tx, p)
	if err != nil {
		return err
	}
	if n := d.Live; n > s.cfg.Limits.Versions {
		return core.Errorf(core.KindTooLarge, "%s already has %d versions, the most this registry keeps for one package (limits.versions); unpublish or stop publishing old lines, or publish under a new name",
			p.Name, n-1)
	}
	if tags := d.Tags; len(tags) > limits.MaxDistTags {
		return core.Errorf(core.KindTooLarge, "%s already has %d dist-tags, the most this registry keeps for one package; publish with an existing tag (--tag), or remove tags no longer used with `npm dist-tag rm %s <tag>`",
			p.Name, len(tags)-1, p.Name)
	}
	if n := d.Bytes; n > s.cfg.Limits.DocumentBytes {
		return core.Errorf(core.KindTooLarge, "with this version the document of %s would be %s, over this registry's limit of %s for one package (limits.document_bytes); make package.json smaller (its size is repeated in every version) or publish under a new name",
			p.Name, mib(n), mib(s.cfg.Limits.DocumentBytes))
	}
	return nil
}

// mib formats a size for a message: "32 MiB", "0.29 MiB".
func mib(n int64) string {
	if n%limits.MiB == 0 {
		return fmt.Sprintf("%d MiB", n/limits.MiB)
	}
	return fmt.Sprintf("%.2f MiB", float64(n)/limits.MiB)
}
