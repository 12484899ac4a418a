package osv

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Malicious is a malicious-package record as ossf/malicious-packages
// writes them: the listed versions of one package are affected (no
// ranges: a later version by the same hands is judged on its own), and
// database_specific names the source, Rampart's moderation.
func Malicious(id, ecosystem, name string, versions []string, summary, details, registry string, now time.Time) *Vuln {
	now = now.UTC().Truncate(time.Second)
	pub := now
	if summary == "" {
		summary = fmt.Sprintf("Malicious code in %s (%s)", name, ecosystem)
	}
	if details == "" {
		details = "This package version was found to contain malicious code and was removed from the registry. Any computer that installed it should be considered compromised: rotate every secret and key it could reach."
	}
	db, _ := json.Marshal(map[string]any{
		"source":   "rampart",
		"registry": registry,
	})
	vs := append([]string(nil), versions...)
	return &Vuln{
		SchemaVersion: SchemaVersion,
		ID:            id,
		Modified:      now,
		Published:     &pub,
		Summary:       summary,
		Details:       details,
		Affected: []Affected{{
			Package:  Package{Ecosystem: ecosystem, Name: name, Purl: PURL(ecosystem, name)},
			Versions: vs,
		}},
		DatabaseSpecific: db,
	}
}

// PURL is the package URL of an npm package (pkg:npm/%40scope/name);
// other ecosystems get none.
func PURL(ecosystem, name string) string {
	if ecosystem != EcosystemNPM {
		return ""
	}
	if scope, rest, ok := strings.Cut(name, "/"); ok && strings.HasPrefix(scope, "@") {
		return "pkg:npm/" + url.PathEscape(scope) + "/" + url.PathEscape(rest)
	}
	return "pkg:npm/" + url.PathEscape(name)
}

// ParsePURL reads a pkg:npm package URL, with or without a version:
// the ecosystem, the name and the version ("" if none).
func ParsePURL(purl string) (ecosystem, name, version string, err error) {
	rest, ok := strings.CutPrefix(purl, "pkg:")
	if !ok {
		return "", "", "", fmt.Errorf("%q is not a package URL (pkg:type/name)", purl)
	}
	rest, _, _ = strings.Cut(rest, "#")
	rest, _, _ = strings.Cut(rest, "?")
	typ, path, ok := strings.Cut(rest, "/")
	if !ok || strings.ToLower(typ) != "npm" {
		return "", "", "", fmt.Errorf("package URL %q: only pkg:npm is served here", purl)
	}
	if i := strings.LastIndex(path, "@"); i > 0 {
		path, version = path[:i], path[i+1:]
		if version, err = url.PathUnescape(version); err != nil {
			return "", "", "", fmt.Errorf("package URL %q: %w", purl, err)
		}
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if segs[i], err = url.PathUnescape(s); err != nil {
			return "", "", "", fmt.Errorf("package URL %q: %w", purl, err)
		}
	}
	name = strings.Join(segs, "/")
	if name == "" || len(segs) > 2 || (len(segs) == 2 && !strings.HasPrefix(segs[0], "@")) {
		return "", "", "", fmt.Errorf("package URL %q: no package name", purl)
	}
	return EcosystemNPM, name, version, nil
}
