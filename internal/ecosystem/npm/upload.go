package npm

import (
	"encoding/json"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/ecosystem/npm/revision"
	"github.com/rampart/rampart/internal/ecosystem/npm/tarball"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/quote"
)

var _ ecosystem.Uploads = Format{}
var _ ecosystem.Scopes = Format{}
var _ ecosystem.Revisions = Format{}

// ParseUpload reads a publish body (ReadUpload, the tarball streamed into
// scratch) and turns it into the neutral publish (ParsedUpload).
func (Format) ParseUpload(r io.Reader, urlName string, lim limits.Limits, scratch *os.File) (*ecosystem.Publish, error) {
	doc, err := ReadUpload(r, lim, scratch)
	if err != nil {
		return nil, err
	}
	return ParsedUpload(doc, urlName, lim, scratch)
}

// RequestTooLarge is npm's refusal of a body over the publish limit.
func (Format) RequestTooLarge(lim limits.Limits) error { return RequestTooLarge(lim) }

// Scope is name's "@scope/" without the marker, "" if unscoped.
func (Format) Scope(name string) string {
	scope, _ := SplitName(name)
	return scope
}

// Rev is the "_rev" of p's packument.
func (Format) Rev(p *core.Package) string { return Rev(p) }

// Changes is what a packument npm writes back changes (revision.Changes).
func (Format) Changes(name string, current []byte, sent map[string]any) (*ecosystem.RevisionChange, error) {
	return revision.Changes(name, current, sent)
}

// ParsedUpload validates doc, read by ReadUpload with its tarball written
// to tgz, as a publish of urlName, inspects the tarball and builds the
// manifest the registry serves: everything of a publish that needs npm's
// bytes, in the order the refusals have always come.
func ParsedUpload(doc *Document, urlName string, lim limits.Limits, tgz io.ReaderAt) (*ecosystem.Publish, error) {
	pub, err := doc.Publish(urlName, lim)
	if err != nil {
		return nil, err
	}
	art := ecosystem.Artifact{File: tgz, Size: pub.TarballSize, SHA512: pub.TarballSHA512,
		Integrity: pub.Integrity, Shasum: pub.TarballShasum}
	info, err := tarball.Inspect(art.Open(), lim)
	if err != nil {
		return nil, err
	}
	if info.Name != pub.Name || info.Version != pub.Version {
		return nil, core.Errorf(core.KindInvalid, "the package.json inside the tarball says %s@%s but the publish document says %s@%s; rebuild the tarball with `npm pack` and publish again",
			quote.Untrusted(info.Name), quote.Untrusted(info.Version), pub.Name, pub.Version)
	}
	art.FileCount, art.UnpackedSize = info.FileCount, info.UnpackedSize
	manifest, deps, err := versionManifest(pub, info)
	if err != nil {
		return nil, err
	}
	access := pub.Access
	if access == "" {
		access = "public"
	}
	if access == "restricted" && !strings.HasPrefix(pub.Name, "@") {
		return nil, core.Errorf(core.KindInvalid, "only scoped packages (@scope/name) can be restricted")
	}
	desc, kws := describeManifest(pub.Manifest)
	license, _ := info.PackageJSON["license"].(string)
	out := &ecosystem.Publish{
		Ref: core.NPM(pub.Name), Version: pub.Version, Tag: pub.Tag, Access: access,
		Artifact: art,
		Metadata: ecosystem.Metadata{Description: desc, Keywords: kws, Dependencies: deps,
			HasInstallScript: info.HasInstallScript(), License: quote.TruncateUTF8(license, 1024), Manifest: manifest},
	}
	for _, f := range info.Secrets {
		out.Secrets = append(out.Secrets, ecosystem.Secret{File: f.File, Kind: f.Kind, Name: f.Name, Rotate: f.Rotate, Hash: f.Hash})
	}
	if pub.Provenance != nil {
		out.Attachments = append(out.Attachments, ecosystem.Attachment{
			Kind: ecosystem.AttachmentProvenance, MediaType: pub.ProvenanceType, Data: pub.Provenance})
	}
	return out, nil
}

// confusableFields are the manifest fields that decide what an install
// fetches and runs. The served manifest takes them from the tarball, but a
// publish document that says otherwise ("manifest confusion") is refused
// rather than quietly corrected: it is a broken or hostile client.
var confusableFields = []string{"dependencies", "optionalDependencies", "peerDependencies", "bundleDependencies", "bundledDependencies"}

// versionManifest builds the manifest the registry stores and serves for
// a publish (DeriveManifest: the tarball's package.json plus a few
// bounded fields), with the registry's own fields set, and the names the
// version depends on.
func versionManifest(pub *Publish, info *tarball.Info) ([]byte, []string, error) {
	for _, f := range confusableFields {
		if !sameField(pub.Manifest[f], info.PackageJSON[f]) {
			return nil, nil, core.Errorf(core.KindInvalid, "the publish document's %q differs from the package.json inside the tarball; the registry serves what the tarball contains, so the two must agree", f)
		}
	}
	m, err := DeriveManifest(pub, info)
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

// describeManifest is the package's description and keywords as the
// publish document states them, each bounded.
func describeManifest(m map[string]any) (string, string) {
	desc, _ := m["description"].(string)
	var kws []string
	switch k := m["keywords"].(type) {
	case []any:
		for _, w := range k {
			if s, ok := w.(string); ok {
				kws = append(kws, s)
			}
		}
	case string:
		kws = strings.Fields(k)
	}
	return quote.TruncateUTF8(desc, 1024), quote.TruncateUTF8(strings.Join(kws, " "), 1024)
}
