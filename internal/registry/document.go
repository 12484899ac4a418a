package registry

import (
	"fmt"
	"sort"

	"github.com/Masterminds/semver/v3"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
)

// TarballURL is the canonical, stable download URL of name@version.
func (s *Service) TarballURL(name, version string) string {
	return s.cfg.PublicURL + name + "/-/" + s.cfg.Format.ArtifactFilename(name, version)
}

// refreshDocument marks the packument of p out of date inside tx, so
// that the read path never sees a document older than the data; the
// first read builds it (see docparts.go).
func (s *Service) refreshDocument(tx packagesUsersDocuments, p *core.Package) error {
	if p.Unpublished() {
		return tx.DeleteDocument(p.Name)
	}
	_, err := s.markChanged(tx, p)
	return err
}

// currentDocument builds the packument of p from the state in tx.
func (s *Service) currentDocument(tx packagesUsers, p *core.Package) (*core.Document, error) {
	versions, err := tx.Versions(p.ID)
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
	doc, err := s.cfg.Format.Documents(ecosystem.PackageState{
		Package: p, Versions: versions, Tags: tags, Maintainers: maintainers, Publishers: users,
		ArtifactURL: func(version string) string { return s.TarballURL(p.Name, version) },
	})
	if err != nil {
		return nil, fmt.Errorf("building document of %s: %w", p.Name, err)
	}
	return doc, nil
}

// highestVersion returns the highest semver key, preferring releases
// over prereleases; "" if there are none.
func highestVersion[T any](versions map[string]T) string {
	var list []*semver.Version
	for k := range versions {
		if v, err := semver.StrictNewVersion(k); err == nil {
			list = append(list, v)
		}
	}
	if len(list) == 0 {
		return ""
	}
	sort.Slice(list, func(i, j int) bool {
		pi, pj := list[i].Prerelease() == "", list[j].Prerelease() == ""
		if pi != pj {
			return !pi // prereleases sort first, releases last
		}
		return list[i].LessThan(list[j])
	})
	return list[len(list)-1].Original()
}
