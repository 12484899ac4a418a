package registry

import (
	"sort"

	"github.com/Masterminds/semver/v3"
)

// TarballURL is the canonical, stable download URL of name@version.
func (s *Service) TarballURL(name, version string) string {
	return s.documents.TarballURL(name, version)
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
