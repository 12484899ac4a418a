package npm

import (
	"io"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
)

// TestReadUploadKeepsADocumentSentBack: a PUT /<name> may be `npm
// deprecate`'s whole document, as large as limits.document_bytes. The
// stream keeps up to that, stops past it with a message naming both
// limits, and a publish is still held to manifest_bytes once read.
func TestReadUploadKeepsADocumentSentBack(t *testing.T) {
	lim := smallLimits()
	lim.DocumentBytes = 4 * lim.ManifestBytes
	readme := strings.Repeat("r", int(2*lim.ManifestBytes))
	dep := `{"_id":"x","name":"x","readme":"` + readme + `","versions":{"1.0.0":{"name":"x","deprecated":"old"}}}`
	d, err := ReadUpload(strings.NewReader(dep), lim, io.Discard)
	if err != nil {
		t.Fatalf("a deprecation of %d bytes (manifest_bytes %d, document_bytes %d): %v", len(dep), lim.ManifestBytes, lim.DocumentBytes, err)
	}
	if !d.HasMember("versions") || d.IsPublish() {
		t.Fatal("the deprecation was not read as one")
	}
	if _, err := ReadDocument(strings.NewReader(dep), lim, io.Discard); core.KindOf(err) != core.KindTooLarge {
		t.Fatalf("ReadDocument of the same body: %v, want the manifest limit", err)
	}

	src := &countingFiller{}
	r := io.MultiReader(strings.NewReader(`{"readme":"`), io.LimitReader(src, 64<<20))
	_, err = ReadUpload(r, lim, io.Discard)
	wantErr(t, err, core.KindTooLarge, "limits.document_bytes")
	if src.n > 2*lim.DocumentBytes+1<<20 {
		t.Fatalf("read %d bytes before refusing; the document limit is %d", src.n, lim.DocumentBytes)
	}

	pub := `{"_id":"x","name":"x","readme":"` + readme + `","versions":{},"_attachments":{}}`
	d, err = ReadUpload(strings.NewReader(pub), lim, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Publish("x", lim); core.KindOf(err) != core.KindTooLarge || !strings.Contains(core.Message(err), "limits.manifest_bytes") {
		t.Fatalf("a publish document over manifest_bytes: %v", err)
	}
}
