package documents

import (
	"fmt"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
)

// Size is what the limits on a document's growth bound.
type Size struct {
	Live  int               // versions anyone may be served (limits.versions)
	Tags  map[string]string // dist-tags the document shows (limits.MaxDistTags)
	Bytes int64             // the full document's length (limits.document_bytes)
}

// Size measures p's document as it stands in tx, its writes included,
// without reading every version: the store keeps the count of live
// versions and the sum of their fragments' bytes (store.DocumentState),
// and the top level needs only the dist-tags, the maintainers and the
// version tagged "latest". Where the sums do not cover every live
// version (fragments stored before they were kept) or no servable
// version is tagged "latest" (the top level then comes from the highest
// version), it measures from every version as a build would, and stores
// the fragments that rendered, so the next change takes the short way.
//
// The sums count fragments as stored: one out of date for a reason its
// change did not render (a publisher's new address) counts at its old
// length until the next build renders it, a difference of a few bytes.
func (s *Builder) Size(tx Writer, p *core.Package) (*Size, error) {
	sum, err := tx.DocumentSize(p.ID)
	if err != nil {
		return nil, err
	}
	if sum.Live > 0 && sum.Counted == sum.Live {
		if sz, ok, err := s.sizeFromSums(tx, p, sum); err != nil || ok {
			return sz, err
		}
	}
	d, err := s.loadParts(tx, p, false)
	if err != nil {
		return nil, err
	}
	for _, vd := range d.fresh {
		if err := tx.PutVersionDoc(p.ID, vd); err != nil {
			return nil, err
		}
	}
	return &Size{Live: len(d.versions), Tags: d.tags, Bytes: d.asm.Size()}, nil
}

// sizeFromSums is Size from the store's sums; false if the top level
// needs every version.
func (s *Builder) sizeFromSums(tx Writer, p *core.Package, sum core.DocSize) (*Size, bool, error) {
	tags, err := tx.DistTags(p.ID)
	if err != nil {
		return nil, false, err
	}
	// The document shows only the tags of servable versions
	// (core.ServableTags): one row each, without manifests.
	served := map[string]bool{}
	for _, ver := range tags {
		if _, seen := served[ver]; seen {
			continue
		}
		v, err := tx.VersionFile(p.ID, ver)
		if err != nil && core.KindOf(err) != core.KindNotFound {
			return nil, false, err
		}
		served[ver] = err == nil && core.Servable(v, p, core.ViewerAnyone)
	}
	for ver, ok := range served {
		if !ok {
			delete(served, ver)
		}
	}
	tags = core.ServableTags(tags, served)
	latest, ok := tags["latest"]
	if !ok {
		return nil, false, nil
	}
	lv, err := tx.Version(p.ID, latest)
	if err != nil {
		return nil, false, err
	}
	maintainers, err := tx.Maintainers(p.ID)
	if err != nil {
		return nil, false, err
	}
	asm, err := s.format.Assemble(ecosystem.Parts{Package: p, Tags: tags, Maintainers: maintainers, Live: []*core.Version{lv}, Counted: &sum})
	if err != nil {
		return nil, false, fmt.Errorf("measuring the document of %s: %w", p.Name, err)
	}
	return &Size{Live: sum.Live, Tags: tags, Bytes: asm.Size()}, true, nil
}
