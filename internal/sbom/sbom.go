// Package sbom writes a project's resolved dependency tree (deptree) as a
// software bill of materials: CycloneDX 1.6 JSON (cyclonedx-go) or SPDX
// 2.3 JSON (tools-golang). Each package carries its purl, version, the
// lockfile's integrity hashes as hex digests, licence, supplier, its
// dependencies, and references to its registry attestations and
// transparency-log entry where the registry has them (refs.go). The
// same writers make one published version's own SBOM, for the
// registry's /-/sbom/ endpoint (internal/sbomapi): Options.Published
// makes the tree's root that version (version.go).
package sbom

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"

	"github.com/rampart/rampart/internal/deptree"
)

// Formats are the names --format takes.
const (
	CycloneDX = "cyclonedx"
	SPDX      = "spdx"
)

// Options are what a document says besides the tree.
type Options struct {
	// Tool names and versions the generator ("rampart dev").
	ToolVersion string
	// Now is the document's creation time.
	Now time.Time
	// Serial is the document's unique id (a UUID); random when empty.
	Serial string
	// Refs are each package's external references, by package ID (the
	// root's under "").
	Refs map[string][]Ref
	// Published is set when the document is one published version's own
	// SBOM (the registry's /-/sbom/ endpoint), not a project's: the root
	// is that version (version.go).
	Published *Published
}

// Ref is a link from a package to something about it.
type Ref struct {
	// Kind is RefAttestation, RefProvenance or RefLog.
	Kind string
	URL  string
}

// Kinds of Ref.
const (
	RefAttestation = "attestation" // the registry's own publish attestation
	RefProvenance  = "provenance"  // the build provenance (Sigstore bundle) npm serves
	RefLog         = "log"         // the transparency-log entry of the publish
)

// Write writes the tree in format to w.
func Write(w io.Writer, format string, t *deptree.Tree, o Options) error {
	if o.Serial == "" {
		o.Serial = newUUID()
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	switch format {
	case CycloneDX:
		return writeCycloneDX(w, t, o)
	case SPDX:
		return writeSPDX(w, t, o)
	}
	return fmt.Errorf("unknown SBOM format %q: use --format cyclonedx or --format spdx", format)
}

// PURL is a package's package URL: pkg:npm/%40scope/name@1.0.0 or
// pkg:golang/example.com/mod@v1.2.3.
func PURL(p *deptree.Package) string {
	switch p.Ecosystem {
	case deptree.NPM:
		ns, name := "", p.Name
		if strings.HasPrefix(name, "@") {
			if i := strings.IndexByte(name, '/'); i > 0 {
				ns, name = name[:i], name[i+1:]
			}
		}
		return packageurl.NewPackageURL(packageurl.TypeNPM, ns, name, p.Version, nil, "").ToString()
	case deptree.Go:
		ns, name := "", p.Name
		if i := strings.LastIndexByte(name, '/'); i > 0 {
			ns, name = name[:i], name[i+1:]
		}
		return packageurl.NewPackageURL(packageurl.TypeGolang, ns, name, p.Version, nil, "").ToString()
	}
	return packageurl.NewPackageURL(packageurl.TypeGeneric, "", p.Name, p.Version, nil, "").ToString()
}

// Digest is one hash of a package's artifact.
type Digest struct {
	// Alg is "SHA-512", "SHA-384", "SHA-256" or "SHA-1".
	Alg string
	Hex string
}

// Digests turns an SRI string ("sha512-<base64> sha1-<base64>") into hex
// digests, skipping what does not decode to the algorithm's length.
func Digests(sri string) []Digest {
	var out []Digest
	for _, f := range strings.Fields(sri) {
		alg, b64, ok := strings.Cut(f, "-")
		if !ok {
			continue
		}
		if i := strings.IndexByte(b64, '?'); i >= 0 { // SRI options
			b64 = b64[:i]
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		var name string
		switch {
		case alg == "sha512" && len(raw) == 64:
			name = "SHA-512"
		case alg == "sha384" && len(raw) == 48:
			name = "SHA-384"
		case alg == "sha256" && len(raw) == 32:
			name = "SHA-256"
		case alg == "sha1" && len(raw) == 20:
			name = "SHA-1"
		default:
			continue
		}
		out = append(out, Digest{name, hex.EncodeToString(raw)})
	}
	return out
}

// licenseExpr matches what can be an SPDX licence expression; anything
// else ("SEE LICENSE IN LICENSE.txt", "UNLICENSED") is shown as a name.
var licenseExpr = regexp.MustCompile(`^\(?[A-Za-z0-9.+-]+( (AND|OR|WITH) \(?[A-Za-z0-9.+-]+\)?)*\)?$`)

func isExpression(l string) bool {
	return licenseExpr.MatchString(l) && l != "UNLICENSED" && !strings.HasPrefix(l, "SEE")
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// rootName names the project for the document ("app", or its folder).
func rootName(t *deptree.Tree) string {
	if t.Root.Name != "" {
		return t.Root.Name
	}
	return "project"
}
