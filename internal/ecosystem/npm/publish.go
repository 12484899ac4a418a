package npm

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf16"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// Publish is a parsed, validated npm publish document (PUT /<name> with
// _attachments). Only the fields Rampart acts on are kept; everything the
// server adds later (_rev, time, maintainers, _npmUser, dist) is the
// caller's business.
type Publish struct {
	Name    string
	Version string
	// Tag is the single dist-tag in "dist-tags" (npm sends exactly one);
	// "latest" when the document has none.
	Tag string
	// Access is "", "public" or "restricted"; npm's "private" is mapped to
	// "restricted".
	Access string
	// Manifest is versions[Version] as sent, minus "dist" and every key
	// that starts with "_": those are the server's to write, and a client
	// must not be able to forge, say, _npmUser. Numbers are json.Number so
	// that they are stored as sent.
	Manifest map[string]any
	// Integrity is dist.integrity as sent ("sha512-<base64>"), verified
	// against Tarball.
	Integrity string
	// Shasum is dist.shasum as sent (SHA-1 hex), verified against Tarball
	// when present; it may be "".
	Shasum string
	// Tarball is the decoded .tgz attachment when the document was parsed
	// from memory (ParsePublish); nil when ReadDocument wrote it to a
	// writer of the caller's.
	Tarball []byte
	// TarballSize, TarballSHA512 and TarballShasum (SHA-1 hex) describe
	// the decoded tarball, hashed as it was decoded; the integrity and
	// shasum above have been checked against them.
	TarballSize   int64
	TarballSHA512 []byte
	TarballShasum string
	// Provenance is the "<name>-<version>.sigstore" attachment (the bundle
	// JSON as npm sends it, plain text), nil if absent. It is not verified
	// here.
	Provenance []byte
	// ProvenanceType is the provenance attachment's content_type as sent.
	ProvenanceType string
}

const (
	republishFix      = "re-run npm publish with a current npm"
	sigstoreMediaType = "application/vnd.dev.sigstore.bundle"
)

// ParsePublish parses and validates a publish body held in memory, for
// the package named in the URL (urlName); the tarball lands in
// Publish.Tarball. The server reads bodies with ReadDocument instead, so
// that the tarball never has to be in memory.
func ParsePublish(body []byte, urlName string, lim limits.Limits) (*Publish, error) {
	var tgz bytes.Buffer
	d, err := ReadDocument(bytes.NewReader(body), lim, &tgz)
	if err != nil {
		return nil, err
	}
	p, err := d.Publish(urlName, lim)
	if err != nil {
		return nil, err
	}
	// Never nil, even for an empty attachment: a caller can tell a
	// tarball held here from one written elsewhere.
	p.Tarball = append([]byte{}, tgz.Bytes()...)
	return p, nil
}

// Publish validates d as a publish of the package named in the URL
// (urlName). The tarball itself went where ReadDocument wrote it; the
// returned Publish describes it (TarballSize, TarballSHA512,
// TarballShasum) and leaves Tarball nil.
//
// The top level is read as a map rather than a struct because
// encoding/json matches struct fields case-insensitively: with a map,
// "name" and "Name" are different keys and there is exactly one reading of
// the document.
func (d *Document) Publish(urlName string, lim limits.Limits) (*Publish, error) {
	top := d.top
	// The manifest limit excludes the attachments: the tarball has its own
	// limit, and provenance has limits.MaxProvenanceBytes.
	if n := d.outside; n > lim.ManifestBytes {
		return nil, manifestTooLarge(n, lim.ManifestBytes)
	}
	var err error

	p := &Publish{}
	if p.Name, err = requiredString(top, "name", "the publish document"); err != nil {
		return nil, err
	}
	if p.Name != urlName {
		return nil, core.Errorf(core.KindInvalid,
			"the publish document is for package %s but was sent to the URL of %s; publish each package to its own URL",
			echo(p.Name), echo(urlName))
	}
	id, err := requiredString(top, "_id", "the publish document")
	if err != nil {
		return nil, err
	}
	if id != p.Name {
		return nil, core.Errorf(core.KindInvalid,
			`the publish document has "_id" %s but "name" %s; they must be equal, %s`, echo(id), echo(p.Name), republishFix)
	}
	if err := ValidateName(p.Name); err != nil {
		return nil, err
	}

	if err := p.parseVersion(top); err != nil {
		return nil, err
	}
	if err := p.parseDistTags(top); err != nil {
		return nil, err
	}
	if err := p.parseAccess(top); err != nil {
		return nil, err
	}
	if err := p.parseAttachments(d, lim); err != nil {
		return nil, err
	}
	return p, nil
}

// parseVersion reads the single entry of "versions": the version, the
// manifest and the declared hashes.
func (p *Publish) parseVersion(top map[string]json.RawMessage) error {
	raw, ok := present(top, "versions")
	if !ok {
		return core.Errorf(core.KindInvalid, `the publish document has no "versions"; %s`, republishFix)
	}
	versions, err := parseObject(raw, `"versions"`)
	if err != nil {
		return err
	}
	if len(versions) != 1 {
		return core.Errorf(core.KindInvalid,
			`"versions" must hold exactly one version, got %d; npm publish sends one version at a time, %s`, len(versions), republishFix)
	}
	var rawManifest json.RawMessage
	p.Version, rawManifest = onlyMember(versions)
	if err := ValidateVersion(p.Version); err != nil {
		return err
	}

	where := `versions[` + echo(p.Version) + `]`
	d := json.NewDecoder(bytes.NewReader(rawManifest))
	d.UseNumber()
	if err := d.Decode(&p.Manifest); err != nil || p.Manifest == nil {
		return core.Errorf(core.KindInvalid, "%s must be a JSON object (the package.json); %s", where, republishFix)
	}
	if name, _ := p.Manifest["name"].(string); name != p.Name {
		return core.Errorf(core.KindInvalid, `%s has "name" %s, not %s; %s`, where, echoAny(p.Manifest["name"]), echo(p.Name), republishFix)
	}
	if version, _ := p.Manifest["version"].(string); version != p.Version {
		return core.Errorf(core.KindInvalid, `%s has "version" %s, not %s; %s`, where, echoAny(p.Manifest["version"]), echo(p.Version), republishFix)
	}

	dist, _ := p.Manifest["dist"].(map[string]any)
	if dist == nil {
		return core.Errorf(core.KindInvalid, `%s has no "dist" object with the tarball's integrity; %s`, where, republishFix)
	}
	integrity, _ := dist["integrity"].(string)
	if !isSHA512SRI(integrity) {
		return core.Errorf(core.KindInvalid,
			`%s.dist.integrity must be "sha512-" and a base64 SHA-512, got %s; publish with npm 5 or later`, where, echoAny(dist["integrity"]))
	}
	p.Integrity = integrity
	switch s := dist["shasum"].(type) {
	case nil:
	case string:
		p.Shasum = s
	default:
		return core.Errorf(core.KindInvalid, `%s.dist.shasum must be a string; %s`, where, republishFix)
	}

	for k := range p.Manifest {
		if k == "dist" || strings.HasPrefix(k, "_") {
			delete(p.Manifest, k)
		}
	}
	return nil
}

// parseDistTags reads "dist-tags", which npm fills with exactly one tag
// pointing at the version being published.
func (p *Publish) parseDistTags(top map[string]json.RawMessage) error {
	raw, ok := present(top, "dist-tags")
	if !ok {
		p.Tag = "latest"
		return nil
	}
	tags, err := parseObject(raw, `"dist-tags"`)
	if err != nil {
		return err
	}
	if len(tags) != 1 {
		return core.Errorf(core.KindInvalid,
			`"dist-tags" must hold exactly one tag, got %d; publish one version with one --tag`, len(tags))
	}
	var target json.RawMessage
	p.Tag, target = onlyMember(tags)
	if err := ValidateTag(p.Tag); err != nil {
		return err
	}
	var v string
	if err := json.Unmarshal(target, &v); err != nil || v != p.Version {
		return core.Errorf(core.KindInvalid,
			`"dist-tags" points %s at %s, not at the version being published (%s); %s`,
			echo(p.Tag), echo(string(target)), echo(p.Version), republishFix)
	}
	return nil
}

// parseAccess reads "access", which npm sends as null unless --access was
// given. npm passes the config value "private" through unchanged; it means
// restricted.
func (p *Publish) parseAccess(top map[string]json.RawMessage) error {
	raw, ok := present(top, "access")
	if !ok {
		return nil
	}
	var access string
	if err := json.Unmarshal(raw, &access); err != nil {
		return core.Errorf(core.KindInvalid, `"access" must be a string or null; use --access public or --access restricted`)
	}
	switch access {
	case "public", "restricted":
		p.Access = access
	case "private":
		p.Access = "restricted"
	default:
		return core.Errorf(core.KindInvalid, `unknown access %s; use --access public or --access restricted`, echo(access))
	}
	return nil
}

// parseAttachments checks the tarball ReadDocument decoded against the
// declared hashes, and takes the optional provenance bundle.
func (p *Publish) parseAttachments(d *Document, lim limits.Limits) error {
	tgzKey := p.Name + "-" + p.Version + ".tgz"
	sigKey := p.Name + "-" + p.Version + ".sigstore"
	if !d.hasAttachments {
		return core.Errorf(core.KindInvalid, `the publish document has no "_attachments", so no tarball; %s`, republishFix)
	}
	var tgz, sig *attachment
	for i := range d.attachments {
		switch a := &d.attachments[i]; a.key {
		case tgzKey:
			tgz = a
		case sigKey:
			sig = a
		default:
			return core.Errorf(core.KindInvalid,
				`unexpected attachment %s: a publish of %s@%s carries only %s and optionally %s; %s`,
				echo(a.key), p.Name, p.Version, echo(tgzKey), echo(sigKey), republishFix)
		}
	}
	if tgz == nil {
		return core.Errorf(core.KindInvalid, `the publish document has no tarball attachment named %s; %s`, echo(tgzKey), republishFix)
	}
	if !tgz.binary {
		// "data" was missing or null: an empty tarball, as encoding/json
		// would read it, which the hashes below refuse.
		tgz.sha512, tgz.sha1 = sumOf(sha512.New()), sumOf(sha1.New())
	}
	if tgz.length != nil && *tgz.length != tgz.size {
		return core.Errorf(core.KindInvalid,
			`attachment %s declares a length of %d bytes but holds %d; the upload was cut short or altered, %s`,
			echo(tgzKey), *tgz.length, tgz.size, republishFix)
	}
	if tgz.size > lim.TarballBytes {
		return tarballTooLarge(tgz.size, lim)
	}
	if got := "sha512-" + base64.StdEncoding.EncodeToString(tgz.sha512); got != p.Integrity {
		return core.Errorf(core.KindInvalid,
			"tarball integrity mismatch: the document declares %s but the uploaded tarball hashes to %s; re-run npm publish",
			p.Integrity, got)
	}
	shasum := hex.EncodeToString(tgz.sha1)
	if p.Shasum != "" && shasum != p.Shasum {
		return core.Errorf(core.KindInvalid,
			"tarball shasum mismatch: the document declares %s but the uploaded tarball hashes to %s; re-run npm publish",
			echo(p.Shasum), shasum)
	}
	p.TarballSize, p.TarballSHA512, p.TarballShasum = tgz.size, tgz.sha512, shasum

	if sig == nil {
		return nil
	}
	if !strings.HasPrefix(sig.contentType, sigstoreMediaType) {
		return core.Errorf(core.KindInvalid,
			`attachment %s has content_type %s; a provenance bundle must be %s+json (any version); re-run npm publish --provenance`,
			echo(sigKey), echo(sig.contentType), sigstoreMediaType)
	}
	// npm sends the bundle's JSON as text and "length" as JavaScript's
	// String.length, which counts UTF-16 code units, not bytes.
	if sig.length != nil && *sig.length != int64(utf16Len(sig.text)) {
		return core.Errorf(core.KindInvalid,
			`attachment %s declares a length of %d but holds %d characters; the upload was cut short or altered, %s`,
			echo(sigKey), *sig.length, utf16Len(sig.text), republishFix)
	}
	if !json.Valid([]byte(sig.text)) {
		return core.Errorf(core.KindInvalid, `attachment %s is not a JSON sigstore bundle; re-run npm publish --provenance`, echo(sigKey))
	}
	p.Provenance, p.ProvenanceType = []byte(sig.text), sig.contentType
	return nil
}

// onlyMember returns the key and value of a one-member object.
func onlyMember(m map[string]json.RawMessage) (string, json.RawMessage) {
	for k, v := range m {
		return k, v
	}
	return "", nil
}

func tarballTooLarge(n int64, lim limits.Limits) error {
	return core.Errorf(core.KindTooLarge,
		`the tarball is %s, over this registry's limit of %s (limits.tarball_bytes); publish fewer files (see "files" in package.json and .npmignore)`,
		mib(n), mib(lim.TarballBytes))
}

// parseObject decodes a JSON object into its members, keeping each value
// raw. A syntax error names its byte offset, which is all a user can go on
// when the document was built by a tool.
func parseObject(b []byte, what string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
			return nil, core.Errorf(core.KindInvalid, "malformed JSON: %w (after reading %d bytes); send the document npm publish builds", err, se.Offset)
		}
		return nil, core.Errorf(core.KindInvalid, "%s must be a JSON object, got %s; %s", what, jsonKind(b), republishFix)
	}
	if m == nil { // the literal null
		return nil, core.Errorf(core.KindInvalid, "%s must be a JSON object, got null; %s", what, republishFix)
	}
	return m, nil
}

// present returns the member key unless it is missing or null; npm sends
// null for a field it has no value for (access, for one).
func present(m map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	raw, ok := m[key]
	if !ok || string(raw) == "null" {
		return nil, false
	}
	return raw, true
}

func requiredString(m map[string]json.RawMessage, key, where string) (string, error) {
	raw, ok := present(m, key)
	var s string
	if !ok || json.Unmarshal(raw, &s) != nil || s == "" {
		return "", core.Errorf(core.KindInvalid, `%s needs a non-empty string %q; %s`, where, key, republishFix)
	}
	return s, nil
}

// jsonKind names the kind of the JSON value b, for messages.
func jsonKind(b []byte) string {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '{':
		return "an object"
	default:
		return "a number"
	}
}

func isSHA512SRI(s string) bool {
	_, ok := SHA512OfIntegrity(s)
	return ok
}

// SHA512OfIntegrity is the digest an SRI integrity of the form
// "sha512-<base64>" names, false for any other form (npm's dist.integrity
// for every version published since npm 5; sha1 ones are older).
func SHA512OfIntegrity(integrity string) ([]byte, bool) {
	b64, ok := strings.CutPrefix(integrity, "sha512-")
	if !ok {
		return nil, false
	}
	sum, err := base64.StdEncoding.DecodeString(b64)
	return sum, err == nil && len(sum) == 64
}

// utf16Len is JavaScript's String.length of s.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
