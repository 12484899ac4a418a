package npm

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/npmfixture"
)

const testBundle = `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{},"dsseEnvelope":{}}`

// publishDoc builds the body npm 11 sends for name@version (reference
// §3.2), with tgz as the tarball attachment, and a forged _npmUser that
// the registry must ignore.
func publishDoc(name, version string, tgz []byte) map[string]any {
	return npmfixture.Publish{
		Manifest: map[string]any{
			"name":        name,
			"version":     version,
			"description": "test package",
			"main":        "index.js",
			"gitHead":     "abc123",
			"_npmUser":    map[string]any{"name": "forged"},
		},
		Readme:  "# hello",
		Tarball: tgz,
	}.Doc()
}

func encode(t testing.TB, doc map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func versionOf(doc map[string]any) map[string]any {
	for _, v := range doc["versions"].(map[string]any) {
		return v.(map[string]any)
	}
	return nil
}

func distOf(doc map[string]any) map[string]any { return versionOf(doc)["dist"].(map[string]any) }

func attachmentsOf(doc map[string]any) map[string]any { return doc["_attachments"].(map[string]any) }

func TestParsePublishGood(t *testing.T) {
	tgz := npmfixture.Tarball(0, goodEntries()...)
	p, err := ParsePublish(encode(t, publishDoc("left-pad", "1.0.0", tgz)), "left-pad", limits.Default())
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "left-pad" || p.Version != "1.0.0" || p.Tag != "latest" || p.Access != "" {
		t.Fatalf("got %q %q tag %q access %q", p.Name, p.Version, p.Tag, p.Access)
	}
	if !bytes.Equal(p.Tarball, tgz) || p.Integrity != Integrity(tgz) || p.Shasum != Shasum(tgz) || p.Provenance != nil {
		t.Fatal("tarball, hashes or provenance not as sent")
	}
	for _, k := range []string{"dist", "_id", "_nodeVersion", "_npmVersion", "_npmUser"} {
		if _, ok := p.Manifest[k]; ok {
			t.Fatalf("manifest kept %q; dist and _-keys are the server's to write", k)
		}
	}
	for _, k := range []string{"name", "version", "main", "readme", "readmeFilename", "gitHead"} {
		if _, ok := p.Manifest[k]; !ok {
			t.Fatalf("manifest lost %q", k)
		}
	}
}

func TestParsePublishScopedWithProvenance(t *testing.T) {
	tgz := npmfixture.Tarball(0, goodEntries()...)
	doc := publishDoc("@acme/widget", "2.0.0-beta.1", tgz)
	doc["dist-tags"] = map[string]any{"next": "2.0.0-beta.1"}
	doc["access"] = "private"
	attachmentsOf(doc)["@acme/widget-2.0.0-beta.1.sigstore"] = map[string]any{
		"content_type": "application/vnd.dev.sigstore.bundle.v0.3+json",
		"data":         testBundle,
		"length":       len(testBundle),
	}
	p, err := ParsePublish(encode(t, doc), "@acme/widget", limits.Default())
	if err != nil {
		t.Fatal(err)
	}
	if p.Tag != "next" || p.Access != "restricted" || string(p.Provenance) != testBundle {
		t.Fatalf("got tag %q access %q provenance %q", p.Tag, p.Access, p.Provenance)
	}
}

func TestParsePublishDefaultsTagToLatest(t *testing.T) {
	tgz := npmfixture.Tarball(0, goodEntries()...)
	doc := publishDoc("left-pad", "1.0.0", tgz)
	delete(doc, "dist-tags")
	p, err := ParsePublish(encode(t, doc), "left-pad", limits.Default())
	if err != nil {
		t.Fatal(err)
	}
	if p.Tag != "latest" {
		t.Fatalf("tag = %q, want latest", p.Tag)
	}
}

func TestParsePublishRejects(t *testing.T) {
	tgz := npmfixture.Tarball(0, goodEntries()...)
	other := npmfixture.Tarball(0, npmfixture.File("package/package.json", `{"name":"other","version":"1.0.0"}`))
	big := strings.Repeat("x", 300*1024)

	for _, tc := range []struct {
		name   string
		edit   func(doc map[string]any)
		raw    bool // send body instead of the (edited) good document
		body   string
		url    string // defaults to "left-pad"
		lim    *limits.Limits
		kind   core.Kind
		substr string
	}{
		{name: "truncated JSON", raw: true, body: `{"name": "left-pad", `, kind: core.KindInvalid, substr: "malformed JSON"},
		{name: "syntax error offset", raw: true, body: `{"name" "left-pad"}`, kind: core.KindInvalid, substr: "after reading 9 bytes"},
		{name: "empty body", raw: true, body: ``, kind: core.KindInvalid, substr: "malformed JSON"},
		{name: "array", raw: true, body: `[1,2]`, kind: core.KindInvalid, substr: "must be a JSON object, got an array"},
		{name: "null", raw: true, body: `null`, kind: core.KindInvalid, substr: "must be a JSON object, got null"},
		{name: "no name", edit: func(d map[string]any) { delete(d, "name") }, kind: core.KindInvalid, substr: `non-empty string "name"`},
		{name: "name not string", edit: func(d map[string]any) { d["name"] = 5 }, kind: core.KindInvalid, substr: `non-empty string "name"`},
		{name: "case-variant key is not name", edit: func(d map[string]any) { delete(d, "name"); d["Name"] = "left-pad" }, kind: core.KindInvalid, substr: `non-empty string "name"`},
		{name: "name differs from URL", url: "right-pad", kind: core.KindInvalid, substr: `is for package "left-pad" but was sent to the URL of "right-pad"`},
		{name: "_id differs", edit: func(d map[string]any) { d["_id"] = "other" }, kind: core.KindInvalid, substr: `"_id" "other"`},
		{name: "no _id", edit: func(d map[string]any) { delete(d, "_id") }, kind: core.KindInvalid, substr: `"_id"`},
		{name: "invalid name", edit: func(d map[string]any) { d["name"], d["_id"] = "Left-Pad", "Left-Pad" }, url: "Left-Pad", kind: core.KindInvalid, substr: "capital letters"},
		{name: "no versions", edit: func(d map[string]any) { delete(d, "versions") }, kind: core.KindInvalid, substr: `no "versions"`},
		{name: "versions not object", edit: func(d map[string]any) { d["versions"] = []any{} }, kind: core.KindInvalid, substr: `"versions" must be a JSON object`},
		{name: "two versions", edit: func(d map[string]any) {
			d["versions"].(map[string]any)["1.0.1"] = versionOf(d)
		}, kind: core.KindInvalid, substr: "exactly one version, got 2"},
		{name: "zero versions", edit: func(d map[string]any) { d["versions"] = map[string]any{} }, kind: core.KindInvalid, substr: "exactly one version, got 0"},
		{name: "version key not semver", edit: func(d map[string]any) {
			d["versions"] = map[string]any{"v1.0.0": versionOf(d)}
		}, kind: core.KindInvalid, substr: `invalid version "v1.0.0"`},
		{name: "manifest not object", edit: func(d map[string]any) { d["versions"] = map[string]any{"1.0.0": "x"} }, kind: core.KindInvalid, substr: "must be a JSON object (the package.json)"},
		{name: "manifest name differs", edit: func(d map[string]any) { versionOf(d)["name"] = "other" }, kind: core.KindInvalid, substr: `has "name" "other", not "left-pad"`},
		{name: "manifest version differs", edit: func(d map[string]any) { versionOf(d)["version"] = "1.0.1" }, kind: core.KindInvalid, substr: `has "version" "1.0.1", not "1.0.0"`},
		{name: "no dist", edit: func(d map[string]any) { delete(versionOf(d), "dist") }, kind: core.KindInvalid, substr: `no "dist" object`},
		{name: "no integrity", edit: func(d map[string]any) { delete(distOf(d), "integrity") }, kind: core.KindInvalid, substr: "dist.integrity must be"},
		{name: "sha1 integrity", edit: func(d map[string]any) { distOf(d)["integrity"] = "sha1-qvTGHdzF6KLavt4PO0gs2a6pQ00=" }, kind: core.KindInvalid, substr: "dist.integrity must be"},
		{name: "integrity mismatch", edit: func(d map[string]any) { distOf(d)["integrity"] = Integrity(other) }, kind: core.KindInvalid,
			substr: "tarball integrity mismatch: the document declares " + Integrity(other) + " but the uploaded tarball hashes to " + Integrity(tgz) + "; re-run npm publish"},
		{name: "shasum mismatch", edit: func(d map[string]any) { distOf(d)["shasum"] = Shasum(other) }, kind: core.KindInvalid, substr: "tarball shasum mismatch"},
		{name: "shasum not string", edit: func(d map[string]any) { distOf(d)["shasum"] = 1 }, kind: core.KindInvalid, substr: "dist.shasum must be a string"},
		{name: "two dist-tags", edit: func(d map[string]any) { d["dist-tags"] = map[string]any{"latest": "1.0.0", "next": "1.0.0"} }, kind: core.KindInvalid, substr: "exactly one tag, got 2"},
		{name: "empty dist-tags", edit: func(d map[string]any) { d["dist-tags"] = map[string]any{} }, kind: core.KindInvalid, substr: "exactly one tag, got 0"},
		{name: "dist-tag is a range", edit: func(d map[string]any) { d["dist-tags"] = map[string]any{"1.x": "1.0.0"} }, kind: core.KindInvalid, substr: "must not be a valid semver range"},
		{name: "dist-tag elsewhere", edit: func(d map[string]any) { d["dist-tags"] = map[string]any{"latest": "0.9.0"} }, kind: core.KindInvalid, substr: "not at the version being published"},
		{name: "bad access", edit: func(d map[string]any) { d["access"] = "everyone" }, kind: core.KindInvalid, substr: `unknown access "everyone"`},
		{name: "access not string", edit: func(d map[string]any) { d["access"] = true }, kind: core.KindInvalid, substr: `"access" must be a string or null`},
		{name: "no attachments", edit: func(d map[string]any) { delete(d, "_attachments") }, kind: core.KindInvalid, substr: `no "_attachments"`},
		{name: "attachments not object", edit: func(d map[string]any) { d["_attachments"] = "x" }, kind: core.KindInvalid, substr: `"_attachments" must be an object`},
		{name: "wrong tarball name", edit: func(d map[string]any) {
			a := attachmentsOf(d)
			a["left-pad-1.0.1.tgz"] = a["left-pad-1.0.0.tgz"]
			delete(a, "left-pad-1.0.0.tgz")
		}, kind: core.KindInvalid, substr: `unexpected attachment "left-pad-1.0.1.tgz"`},
		{name: "second tarball", edit: func(d map[string]any) {
			a := attachmentsOf(d)
			a["evil.tgz"] = a["left-pad-1.0.0.tgz"]
		}, kind: core.KindInvalid, substr: `unexpected attachment: the publish document carries two tarballs, "evil.tgz" and "left-pad-1.0.0.tgz"`},
		{name: "only provenance", edit: func(d map[string]any) {
			d["_attachments"] = map[string]any{"left-pad-1.0.0.sigstore": map[string]any{"content_type": "application/vnd.dev.sigstore.bundle.v0.3+json", "data": testBundle}}
		}, kind: core.KindInvalid, substr: `no tarball attachment named "left-pad-1.0.0.tgz"`},
		{name: "bad base64", edit: func(d map[string]any) {
			attachmentsOf(d)["left-pad-1.0.0.tgz"].(map[string]any)["data"] = "not base64!"
		}, kind: core.KindInvalid, substr: "is not valid base64"},
		{name: "length mismatch", edit: func(d map[string]any) {
			attachmentsOf(d)["left-pad-1.0.0.tgz"].(map[string]any)["length"] = len(tgz) + 1
		}, kind: core.KindInvalid, substr: "declares a length of"},
		{name: "tarball too large", lim: &limits.Limits{TarballBytes: 100, UnpackedBytes: 1 << 30, ExpansionRatio: 200, Files: 10, ManifestBytes: 1 << 20},
			kind: core.KindTooLarge, substr: "over this registry's limit of 0.00 MiB (100 bytes) (limits.tarball_bytes)"},
		{name: "manifest too large", edit: func(d map[string]any) { versionOf(d)["readme"] = big },
			lim:  &limits.Limits{TarballBytes: 1 << 20, UnpackedBytes: 1 << 30, ExpansionRatio: 200, Files: 10, ManifestBytes: 256 * 1024},
			kind: core.KindTooLarge, substr: "limits.manifest_bytes"},
		{name: "provenance wrong type", edit: func(d map[string]any) {
			attachmentsOf(d)["left-pad-1.0.0.sigstore"] = map[string]any{"content_type": "application/json", "data": testBundle}
		}, kind: core.KindInvalid, substr: `has content_type "application/json"`},
		{name: "provenance not JSON", edit: func(d map[string]any) {
			attachmentsOf(d)["left-pad-1.0.0.sigstore"] = map[string]any{"content_type": "application/vnd.dev.sigstore.bundle+json;version=0.2", "data": "e30K="}
		}, kind: core.KindInvalid, substr: "is not a JSON sigstore bundle"},
		{name: "provenance length", edit: func(d map[string]any) {
			attachmentsOf(d)["left-pad-1.0.0.sigstore"] = map[string]any{"content_type": "application/vnd.dev.sigstore.bundle.v0.3+json", "data": testBundle, "length": 3}
		}, kind: core.KindInvalid, substr: "declares a length of 3"},
		{name: "provenance too large", edit: func(d map[string]any) {
			attachmentsOf(d)["left-pad-1.0.0.sigstore"] = map[string]any{"content_type": "application/vnd.dev.sigstore.bundle.v0.3+json", "data": `"` + strings.Repeat("a", limits.MaxProvenanceBytes) + `"`}
		}, kind: core.KindTooLarge, substr: "the provenance bundle is"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(tc.body)
			if !tc.raw {
				doc := publishDoc("left-pad", "1.0.0", tgz)
				if tc.edit != nil {
					tc.edit(doc)
				}
				body = encode(t, doc)
			}
			url, lim := "left-pad", limits.Default()
			if tc.url != "" {
				url = tc.url
			}
			if tc.lim != nil {
				lim = *tc.lim
			}
			p, err := ParsePublish(body, url, lim)
			if p != nil {
				t.Fatalf("got a Publish with error %v", err)
			}
			wantErr(t, err, tc.kind, tc.substr)
		})
	}
}

// TestParsePublishProvenanceLengthCountsUTF16 pins that "length" of the
// sigstore attachment is JavaScript's String.length.
func TestParsePublishProvenanceLengthCountsUTF16(t *testing.T) {
	tgz := npmfixture.Tarball(0, goodEntries()...)
	bundle := `{"note":"é😀"}` // é is 1 UTF-16 unit (2 bytes), 😀 is 2 units (4 bytes)
	doc := publishDoc("left-pad", "1.0.0", tgz)
	attachmentsOf(doc)["left-pad-1.0.0.sigstore"] = map[string]any{
		"content_type": "application/vnd.dev.sigstore.bundle.v0.3+json", "data": bundle, "length": len(bundle) - 1 - 2,
	}
	if _, err := ParsePublish(encode(t, doc), "left-pad", limits.Default()); err != nil {
		t.Fatal(err)
	}
}
