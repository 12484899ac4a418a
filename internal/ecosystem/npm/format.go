package npm

import (
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
)

// Format is npm's ecosystem.Format: npm's names, versions and dist-tags,
// tarball file names and packuments.
type Format struct{}

var _ ecosystem.Format = Format{}

func (Format) Ecosystem() core.Ecosystem { return core.EcosystemNPM }

func (Format) ValidateName(name string) error { return ValidateName(name) }

func (Format) ValidateVersion(version string) error { return ValidateVersion(version) }

func (Format) ValidateTag(tag string) error { return ValidateTag(tag) }

func (Format) ArtifactFilename(name, version string) string { return TarballFilename(name, version) }

// Highest is npm's newest version when no dist-tag says: the highest
// semver release, else the highest prerelease.
func (Format) Highest(versions []string) string {
	set := make(map[string]struct{}, len(versions))
	for _, v := range versions {
		set[v] = struct{}{}
	}
	return highestVersion(set)
}

// Documents builds the full and abbreviated packuments, each raw and
// gzipped.
func (Format) Documents(st ecosystem.PackageState) (*core.Document, error) {
	return buildDocument(st)
}
