package npm

import (
	"path"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm/tarball"
	"github.com/rampart/rampart/internal/quote"
)

// MaxDocFieldBytes bounds each of the few fields a version manifest takes
// from the publish document rather than from the tarball (DocFields).
const MaxDocFieldBytes = 256

// DocFields are the only fields of a publish document's version that a
// served manifest keeps beyond the tarball's package.json: what `npm
// publish` adds about how the package was made. Each must be a string of
// at most MaxDocFieldBytes; the README is handled apart (Readme).
var DocFields = []string{"gitHead", "readmeFilename"}

// serverField reports a field written by the registry alone, whatever a package.json
// or publish document says.
func serverField(k string) bool {
	return k == "dist" || k == "deprecated" || k == "hasInstallScript" || k == "readme" || strings.HasPrefix(k, "_")
}

// DeriveManifest builds the manifest a registry serves for a published
// version from what npm will really install: the package.json inside the
// tarball, with "bin" normalised the way npm's publish does, plus the
// bounded DocFields of the publish document and the README (the
// document's, else the tarball's, cut at tarball.MaxReadmeBytes). Nothing
// else of the publish document is kept, so its size (up to
// limits.manifest_bytes) never reaches the package's document, and no
// field can say one thing to readers while the tarball says another.
// Registry fields (_id, dist, _npmUser, deprecated, hasInstallScript) are
// left for the caller to set.
func DeriveManifest(pub *Publish, info *tarball.Info) (map[string]any, error) {
	m := make(map[string]any, len(info.PackageJSON)+len(DocFields)+1)
	for k, v := range info.PackageJSON {
		if !serverField(k) {
			m[k] = v
		}
	}
	m["name"], m["version"] = pub.Name, pub.Version
	if bin, ok := m["bin"].(string); ok {
		// npm turns "bin": "cli.js" into {"<bare name>": "cli.js"}.
		_, bare := SplitName(pub.Name)
		m["bin"] = map[string]any{bare: path.Clean(bin)}
	}
	for _, f := range DocFields {
		v, ok := pub.Manifest[f]
		if !ok || v == nil {
			continue
		}
		s, isString := v.(string)
		if !isString {
			return nil, core.Errorf(core.KindInvalid, "the publish document's %q must be a string; publish with the npm CLI", f)
		}
		if len(s) > MaxDocFieldBytes {
			return nil, core.Errorf(core.KindInvalid, "the publish document's %q is %d bytes long, over the limit of %d; publish with the npm CLI", f, len(s), MaxDocFieldBytes)
		}
		m[f] = s
	}
	readme, _ := pub.Manifest["readme"].(string)
	if readme == "" {
		readme = info.Readme
	}
	m["readme"] = quote.TruncateUTF8(readme, tarball.MaxReadmeBytes)
	return m, nil
}
