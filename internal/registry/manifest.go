package registry

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	npmtar "github.com/rampart/rampart/internal/ecosystem/npm/tarball"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/limits"
)

// confusableFields are the manifest fields that decide what an install
// fetches and runs. The served manifest takes them from the tarball, but a
// publish document that says otherwise ("manifest confusion") is refused
// rather than quietly corrected: it is a broken or hostile client.
var confusableFields = []string{"dependencies", "optionalDependencies", "peerDependencies", "bundleDependencies", "bundledDependencies"}

// versionManifest builds the manifest the registry stores and serves for
// a publish (npm.DeriveManifest: the tarball's package.json plus a few
// bounded fields), with the registry's own fields set, and the names the
// version depends on.
func (s *Service) versionManifest(pub *npm.Publish, info *npmtar.Info) ([]byte, []string, error) {
	for _, f := range confusableFields {
		if !sameField(pub.Manifest[f], info.PackageJSON[f]) {
			return nil, nil, core.Errorf(core.KindInvalid, "the publish document's %q differs from the package.json inside the tarball; the registry serves what the tarball contains, so the two must agree", f)
		}
	}
	m, err := npm.DeriveManifest(pub, info)
	if err != nil {
		return nil, nil, err
	}
	m["_id"] = pub.Name + "@" + pub.Version
	// npm's rule, install scripts or a root binding.gyp (node-gyp runs it).
	if info.HasInstallScript() {
		m["hasInstallScript"] = true
	}
	m["dist"] = map[string]any{
		"integrity":    pub.Integrity,
		"shasum":       pub.TarballShasum,
		"fileCount":    info.FileCount,
		"unpackedSize": info.UnpackedSize,
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, nil, core.Errorf(core.KindInvalid, "the package manifest cannot be stored: %w", err)
	}
	deps := map[string]bool{}
	for _, f := range []string{"dependencies", "optionalDependencies", "peerDependencies"} {
		if dm, ok := info.PackageJSON[f].(map[string]any); ok {
			for d := range dm {
				deps[d] = true
			}
		}
	}
	list := make([]string, 0, len(deps))
	for d := range deps {
		list = append(list, d)
	}
	sort.Strings(list)
	return b, list, nil
}

// sameField compares a manifest field from the document and the tarball,
// treating absent and empty as the same.
func sameField(a, b any) bool {
	empty := func(v any) bool {
		switch x := v.(type) {
		case nil:
			return true
		case map[string]any:
			return len(x) == 0
		case []any:
			return len(x) == 0
		}
		return false
	}
	if empty(a) && empty(b) {
		return true
	}
	return reflect.DeepEqual(a, b)
}

// refreshPublished is refreshDocument after a publish, which is what makes
// a document grow: it refuses (and so rolls back) a publish that would
// take the package past limits.Versions live versions, limits.MaxDistTags
// dist-tags or its document past limits.DocumentBytes.
func (s *Service) refreshPublished(tx packagesUsersDocuments, p *core.Package) error {
	// The whole transaction rolls back on a refusal below, the fragment
	// and the stale mark markChanged wrote included.
	d, err := s.markChanged(tx, p)
	if err != nil {
		return err
	}
	if n := len(d.versions); n > s.cfg.Limits.Versions {
		return core.Errorf(core.KindTooLarge, "%s already has %d versions, the most this registry keeps for one package (limits.versions); unpublish or stop publishing old lines, or publish under a new name",
			p.Name, n-1)
	}
	if tags := d.tags; len(tags) > limits.MaxDistTags {
		return core.Errorf(core.KindTooLarge, "%s already has %d dist-tags, the most this registry keeps for one package; publish with an existing tag (--tag), or remove tags no longer used with `npm dist-tag rm %s <tag>`",
			p.Name, len(tags)-1, p.Name)
	}
	if n := d.fullSize(); n > s.cfg.Limits.DocumentBytes {
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
