package npm

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/npmfixture"
)

// scratchFile is an unlinked-on-cleanup file, as the registry's upload
// hands the format.
func scratchFile(t testing.TB) *os.File {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "upload-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// ParseUpload turns npm's publish body into the neutral publish: the
// artifact in the scratch file with its digests, the served manifest as
// opaque bytes, the neutral metadata, and the provenance attachment.
func TestParseUploadIsNeutral(t *testing.T) {
	tgz := npmfixture.Tarball(0, goodEntries()...)
	doc := publishDoc("left-pad", "1.0.0", tgz)
	attachmentsOf(doc)["left-pad-1.0.0.sigstore"] = map[string]any{
		"content_type": "application/vnd.dev.sigstore.bundle.v0.3+json", "data": testBundle, "length": len(testBundle),
	}
	pub, err := Format{}.ParseUpload(bytes.NewReader(encode(t, doc)), "left-pad", smallLimits(), scratchFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if pub.Ref != core.NPM("left-pad") || pub.Version != "1.0.0" || pub.Tag != "latest" || pub.Access != "public" {
		t.Fatalf("publish = %+v", pub)
	}
	got, err := io.ReadAll(pub.Artifact.Open())
	if err != nil || !bytes.Equal(got, tgz) {
		t.Fatalf("the artifact reads %d bytes (%v), want the tarball's %d", len(got), err, len(tgz))
	}
	if pub.Artifact.Size != int64(len(tgz)) || pub.Artifact.Integrity != Integrity(tgz) || pub.Artifact.Shasum != Shasum(tgz) || pub.Artifact.FileCount == 0 {
		t.Fatalf("artifact = %+v", pub.Artifact)
	}
	if pub.Metadata.Description != "test package" {
		t.Fatalf("description = %q", pub.Metadata.Description)
	}
	var m map[string]any
	if err := json.Unmarshal(pub.Metadata.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	if m["_id"] != "left-pad@1.0.0" || m["dist"].(map[string]any)["integrity"] != Integrity(tgz) || m["_npmUser"] != nil {
		t.Fatalf("served manifest = %v", m)
	}
	a := pub.Attachment(ecosystem.AttachmentProvenance)
	if a == nil || string(a.Data) != testBundle || a.MediaType != "application/vnd.dev.sigstore.bundle.v0.3+json" {
		t.Fatalf("provenance attachment = %+v", a)
	}

	// Without one, no attachment.
	pub, err = Format{}.ParseUpload(bytes.NewReader(encode(t, publishDoc("left-pad", "1.0.0", tgz))), "left-pad", smallLimits(), scratchFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(pub.Attachments) != 0 {
		t.Fatalf("attachments = %+v, want none", pub.Attachments)
	}
}

// The refusals that were the registry's keep their words: a tarball for
// another name@version, and restricted access without a scope.
func TestParseUploadRefusals(t *testing.T) {
	tgz := npmfixture.Tarball(0, goodEntries()...)
	doc := publishDoc("right-pad", "1.0.0", tgz)
	_, err := Format{}.ParseUpload(bytes.NewReader(encode(t, doc)), "right-pad", smallLimits(), scratchFile(t))
	if want := "the package.json inside the tarball says \"left-pad\"@\"1.0.0\" but the publish document says right-pad@1.0.0; rebuild the tarball with `npm pack` and publish again"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	doc = publishDoc("left-pad", "1.0.0", tgz)
	doc["access"] = "restricted"
	_, err = Format{}.ParseUpload(bytes.NewReader(encode(t, doc)), "left-pad", smallLimits(), scratchFile(t))
	if want := "only scoped packages (@scope/name) can be restricted"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

// FuzzParseUpload: whatever ParseUpload accepts is a whole publish for
// the URL's name, whose artifact hashes to its declared integrity.
func FuzzParseUpload(f *testing.F) {
	tgz := npmfixture.Tarball(0, goodEntries()...)
	f.Add(encode(f, publishDoc("left-pad", "1.0.0", tgz)), "left-pad")
	withBundle := publishDoc("left-pad", "1.0.0", tgz)
	attachmentsOf(withBundle)["left-pad-1.0.0.sigstore"] = map[string]any{
		"content_type": "application/vnd.dev.sigstore.bundle.v0.3+json", "data": testBundle, "length": len(testBundle),
	}
	f.Add(encode(f, withBundle), "left-pad")
	f.Add([]byte(`{"name":"x","_id":"x","versions":{"1.0.0":{"name":"x","version":"1.0.0","dist":{}}}}`), "x")

	lim := smallLimits()
	f.Fuzz(func(t *testing.T, body []byte, urlName string) {
		pub, err := Format{}.ParseUpload(bytes.NewReader(body), urlName, lim, scratchFile(t))
		checkResult(t, pub != nil, err)
		if pub == nil {
			return
		}
		got, err := io.ReadAll(pub.Artifact.Open())
		if err != nil || pub.Ref != core.NPM(urlName) || Integrity(got) != pub.Artifact.Integrity || len(pub.Metadata.Manifest) == 0 {
			t.Fatalf("accepted a publish that breaks its own checks: %+v", pub)
		}
	})
}
