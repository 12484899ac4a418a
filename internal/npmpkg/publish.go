package npmpkg

import (
	"bytes"
	"encoding/base64"
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
	// Tarball is the decoded .tgz attachment.
	Tarball []byte
	// Provenance is the "<name>-<version>.sigstore" attachment (the bundle
	// JSON as npm sends it, plain text), nil if absent. It is not verified
	// here.
	Provenance []byte
}

// wireAttachment is one entry of "_attachments". Data is a string for both
// kinds: base64 for the tarball, the bundle's JSON text for provenance.
type wireAttachment struct {
	ContentType string `json:"content_type"`
	Data        string `json:"data"`
	Length      *int64 `json:"length"`
}

const (
	republishFix      = "re-run npm publish with a current npm"
	sigstoreMediaType = "application/vnd.dev.sigstore.bundle"
)

// ParsePublish parses and validates a publish body for the package named
// in the URL (urlName). The caller has already cut the body off at
// lim.PublishBodyBytes. Besides the body, ParsePublish holds at most two
// more copies of the tarball at once: the raw JSON of "_attachments" is
// dropped once its base64 string is out, before that string is decoded.
//
// The top level is read as a map rather than a struct because
// encoding/json matches struct fields case-insensitively: with a map,
// "name" and "Name" are different keys and there is exactly one reading of
// the document.
func ParsePublish(body []byte, urlName string, lim limits.Limits) (*Publish, error) {
	top, err := parseObject(body, "the publish document")
	if err != nil {
		return nil, err
	}
	// The manifest limit excludes the attachments: the tarball has its own
	// limit, and provenance has limits.MaxProvenanceBytes.
	if n := int64(len(body) - len(top["_attachments"])); n > lim.ManifestBytes {
		return nil, core.Errorf(core.KindTooLarge,
			"the publish document without its attachments is %s, over this registry's limit of %s (limits.manifest_bytes); shorten the README or package.json",
			mib(n), mib(lim.ManifestBytes))
	}

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
	if err := p.parseAttachments(top, lim); err != nil {
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

// parseAttachments decodes the tarball and the optional provenance bundle
// and checks the tarball against the declared hashes.
func (p *Publish) parseAttachments(top map[string]json.RawMessage, lim limits.Limits) error {
	tgzKey := p.Name + "-" + p.Version + ".tgz"
	sigKey := p.Name + "-" + p.Version + ".sigstore"
	raw, ok := present(top, "_attachments")
	if !ok {
		return core.Errorf(core.KindInvalid, `the publish document has no "_attachments", so no tarball; %s`, republishFix)
	}
	var atts map[string]wireAttachment
	if err := json.Unmarshal(raw, &atts); err != nil || atts == nil {
		return core.Errorf(core.KindInvalid, `"_attachments" must be an object of {content_type, data, length} entries; %s`, republishFix)
	}
	// The raw attachments are a second copy of the base64 tarball; drop
	// them before the decoded copy is allocated.
	delete(top, "_attachments")
	for k := range atts {
		if k != tgzKey && k != sigKey {
			return core.Errorf(core.KindInvalid,
				`unexpected attachment %s: a publish of %s@%s carries only %s and optionally %s; %s`,
				echo(k), p.Name, p.Version, echo(tgzKey), echo(sigKey), republishFix)
		}
	}

	tgz, ok := atts[tgzKey]
	if !ok {
		return core.Errorf(core.KindInvalid, `the publish document has no tarball attachment named %s; %s`, echo(tgzKey), republishFix)
	}
	// Bound the allocation before decoding: DecodedLen is exact for the
	// padded standard encoding npm sends, and an upper bound otherwise.
	if n := int64(base64.StdEncoding.DecodedLen(len(tgz.Data))); n > lim.TarballBytes+2 {
		return tarballTooLarge(n, lim)
	}
	tarball, err := base64.StdEncoding.DecodeString(tgz.Data)
	if err != nil {
		return core.Errorf(core.KindInvalid, `attachment %s is not valid base64 (%w); %s`, echo(tgzKey), err, republishFix)
	}
	if tgz.Length != nil && *tgz.Length != int64(len(tarball)) {
		return core.Errorf(core.KindInvalid,
			`attachment %s declares a length of %d bytes but holds %d; the upload was cut short or altered, %s`,
			echo(tgzKey), *tgz.Length, len(tarball), republishFix)
	}
	if int64(len(tarball)) > lim.TarballBytes {
		return tarballTooLarge(int64(len(tarball)), lim)
	}
	if got := Integrity(tarball); got != p.Integrity {
		return core.Errorf(core.KindInvalid,
			"tarball integrity mismatch: the document declares %s but the uploaded tarball hashes to %s; re-run npm publish",
			p.Integrity, got)
	}
	if p.Shasum != "" {
		if got := Shasum(tarball); got != p.Shasum {
			return core.Errorf(core.KindInvalid,
				"tarball shasum mismatch: the document declares %s but the uploaded tarball hashes to %s; re-run npm publish",
				echo(p.Shasum), got)
		}
	}
	p.Tarball = tarball

	sig, ok := atts[sigKey]
	if !ok {
		return nil
	}
	if !strings.HasPrefix(sig.ContentType, sigstoreMediaType) {
		return core.Errorf(core.KindInvalid,
			`attachment %s has content_type %s; a provenance bundle must be %s+json (any version); re-run npm publish --provenance`,
			echo(sigKey), echo(sig.ContentType), sigstoreMediaType)
	}
	if len(sig.Data) > limits.MaxProvenanceBytes {
		return core.Errorf(core.KindTooLarge,
			`the provenance bundle is %s, over the limit of %s; attach the bundle npm generates, not a larger file`,
			mib(int64(len(sig.Data))), mib(limits.MaxProvenanceBytes))
	}
	// npm sends the bundle's JSON as text and "length" as JavaScript's
	// String.length, which counts UTF-16 code units, not bytes.
	if sig.Length != nil && *sig.Length != int64(utf16Len(sig.Data)) {
		return core.Errorf(core.KindInvalid,
			`attachment %s declares a length of %d but holds %d characters; the upload was cut short or altered, %s`,
			echo(sigKey), *sig.Length, utf16Len(sig.Data), republishFix)
	}
	if !json.Valid([]byte(sig.Data)) {
		return core.Errorf(core.KindInvalid, `attachment %s is not a JSON sigstore bundle; re-run npm publish --provenance`, echo(sigKey))
	}
	p.Provenance = []byte(sig.Data)
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

// echoAny quotes a decoded JSON value for a message.
func echoAny(v any) string {
	switch v := v.(type) {
	case nil:
		return "nothing"
	case string:
		return echo(v)
	case json.Number:
		return echo(v.String())
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

func isSHA512SRI(s string) bool {
	b64, ok := strings.CutPrefix(s, "sha512-")
	if !ok {
		return false
	}
	sum, err := base64.StdEncoding.DecodeString(b64)
	return err == nil && len(sum) == 64
}

// utf16Len is JavaScript's String.length of s.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
