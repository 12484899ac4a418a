package npm

import (
	"strings"

	"github.com/rampart/rampart/internal/core"
)

// AttestationsPath is the path, under the registry's base URL, of the
// attestations of name@version (GET /-/npm/v1/attestations/<name>@<version>),
// with a scoped name's slash escaped as npmjs.com writes it.
func AttestationsPath(name, version string) string {
	return "-/npm/v1/attestations/" + strings.Replace(name, "/", "%2f", 1) + "@" + version
}

// setAttestations announces v's verified build provenance in its dist
// object as npm reads it (dist.attestations: the URL of the attestations
// and the provenance's predicate type); a version without verified
// provenance gets none. npm uses only the URL's path, against the
// registry it was configured with, so the URL keeps the base URL's path
// prefix: it is cut from the tarball URL, which is
// <base><name>/-/<file>.
func setAttestations(dist map[string]any, name string, v *core.Version, tarballURL string) {
	if v.ProvenancePredicate == "" {
		return
	}
	i := strings.LastIndex(tarballURL, name+"/-/")
	if i < 0 {
		return
	}
	dist["attestations"] = map[string]any{
		"url":        tarballURL[:i] + AttestationsPath(name, v.Version),
		"provenance": map[string]any{"predicateType": v.ProvenancePredicate},
	}
}
