package documents

import (
	"fmt"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
)

// TarballURL is the canonical, stable download URL of name@version.
func (s *Builder) TarballURL(name, version string) string {
	return s.publicURL + name + "/-/" + s.format.ArtifactFilename(name, version)
}

// Refresh marks the packument of p out of date inside tx, so that the
// read path never sees a document older than the data, and stores the
// fragments of the changed versions (MarkChanged); the first read builds
// it (see build.go). A package unpublished whole has no document.
func (s *Builder) Refresh(tx Writer, p *core.Package, changed ...*core.Version) error {
	if p.Unpublished() {
		return tx.DeleteDocument(p.Name)
	}
	return s.MarkChanged(tx, p, changed...)
}

// Current builds the packument of p from the state in tx, all at once:
// the oracle the lazily assembled document must match byte for byte.
func (s *Builder) Current(tx Reader, p *core.Package) (*core.Document, error) {
	st, err := readState(tx, p, nil)
	if err != nil {
		return nil, err
	}
	doc, err := s.format.Documents(ecosystem.PackageState{
		Package: p, Versions: st.versions, Tags: st.tags, Maintainers: st.maintainers, Publishers: st.publishers,
		ArtifactURL: func(version string) string { return s.TarballURL(p.Name, version) },
	})
	if err != nil {
		return nil, fmt.Errorf("building document of %s: %w", p.Name, err)
	}
	return doc, nil
}
