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

// Refresh marks the packument of p out of date inside tx, so
// that the read path never sees a document older than the data; the
// first read builds it (see build.go).
func (s *Builder) Refresh(tx Writer, p *core.Package) error {
	if p.Unpublished() {
		return tx.DeleteDocument(p.Name)
	}
	_, err := s.MarkChanged(tx, p)
	return err
}

// Current builds the packument of p from the state in tx, all at once:
// what a client sending the document back is compared with, and the
// oracle the lazily assembled document must match byte for byte.
func (s *Builder) Current(tx Reader, p *core.Package) (*core.Document, error) {
	versions, err := versionsSigned(tx, p)
	if err != nil {
		return nil, err
	}
	tags, err := tx.DistTags(p.ID)
	if err != nil {
		return nil, err
	}
	maintainers, err := tx.Maintainers(p.ID)
	if err != nil {
		return nil, err
	}
	users := map[int64]*core.User{}
	for _, v := range versions {
		if _, ok := users[v.PublisherID]; !ok {
			u, err := tx.UserByID(v.PublisherID)
			if err != nil {
				return nil, err
			}
			users[v.PublisherID] = u
		}
	}
	doc, err := s.format.Documents(ecosystem.PackageState{
		Package: p, Versions: versions, Tags: tags, Maintainers: maintainers, Publishers: users,
		ArtifactURL: func(version string) string { return s.TarballURL(p.Name, version) },
	})
	if err != nil {
		return nil, fmt.Errorf("building document of %s: %w", p.Name, err)
	}
	return doc, nil
}
