package robust

import (
	"archive/tar"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/npmfixture"
)

// TestPublishDocumentCannotBloatThePackument: the manifest a registry
// serves is what the tarball's package.json says. A publish document
// stuffed with megabytes of extra fields, or saying other things than the
// tarball (scripts, description, bin), leaves the packument as small as
// the package and as true as its tarball.
func TestPublishDocumentCannotBloatThePackument(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "")
	pj := `{"name":"slim","version":"1.0.0","main":"index.js","description":"the real one","scripts":{"postinstall":"node setup.js"}}`
	tgz := npmfixture.Tarball(0,
		npmfixture.Entry{Name: "package/", Type: tar.TypeDir},
		npmfixture.File("package/package.json", pj),
		npmfixture.File("package/index.js", "module.exports = 1\n"),
	)
	junk := strings.Repeat("x", 4<<20)
	body := npmfixture.Publish{
		Manifest: map[string]any{
			"name": "slim", "version": "1.0.0", "main": "index.js",
			"description": "a harmless package", // the tarball says otherwise
			"scripts":     map[string]any{},     // hides the postinstall
			"junk":        junk,                 // 4 MiB for every reader, every time
			"gitHead":     "0123456789abcdef0123456789abcdef01234567",
		},
		Tarball:   tgz,
		Integrity: npmfixture.Integrity(tgz),
	}.Body()
	if rep := mustDo(t, http.MethodPut, s.URL+"slim", tok, body); rep.Status != http.StatusCreated {
		t.Fatalf("publish: %d %s", rep.Status, rep.Body)
	}
	for _, accept := range []string{"application/json", "application/vnd.npm.install-v1+json"} {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"slim", nil)
		req.Header.Set("Accept", accept)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Versions map[string]map[string]any `json:"versions"`
		}
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(doc)
		if len(raw) > 64<<10 {
			t.Fatalf("%s packument of a 100-byte package.json is %d bytes", accept, len(raw))
		}
		v := doc.Versions["1.0.0"]
		if _, ok := v["junk"]; ok {
			t.Fatalf("%s: the publish document's junk field is served", accept)
		}
		if accept == "application/json" {
			scripts, _ := v["scripts"].(map[string]any)
			if v["description"] != "the real one" || scripts["postinstall"] != "node setup.js" || v["gitHead"] != "0123456789abcdef0123456789abcdef01234567" {
				t.Fatalf("served manifest is not the tarball's package.json: description=%v scripts=%v gitHead=%v", v["description"], v["scripts"], v["gitHead"])
			}
		}
		if v["hasInstallScript"] != true {
			t.Fatalf("%s: hasInstallScript=%v, want true (the tarball has a postinstall)", accept, v["hasInstallScript"])
		}
	}
}

// TestPackageDocumentIsBounded: a package's document cannot grow past
// limits.document_bytes: the publish that would cross it is refused with
// 413 and a message that says what to do, and the versions before it are
// served as they were.
func TestPackageDocumentIsBounded(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "[limits]\ndocument_bytes = 300000\n")
	// Each version's package.json carries 60 KB of description (served
	// once per version, and once more at the top for the latest): the
	// fourth version takes the document past 300 KB.
	filler := strings.Repeat("lorem ipsum ", 5000)
	publishVersion := func(v string) reply { return publishDescribed(t, s, tok, "wordy", v, filler+v) }
	for _, v := range []string{"1.0.0", "1.0.1", "1.0.2"} {
		if rep := publishVersion(v); rep.Status != http.StatusCreated {
			t.Fatalf("publish %s: %d %s", v, rep.Status, rep.Body)
		}
	}
	rep := publishVersion("1.0.3")
	if rep.Status != http.StatusRequestEntityTooLarge || !strings.Contains(rep.ErrorMsg(), "the document of wordy would be 0.") ||
		!strings.Contains(rep.ErrorMsg(), "over this registry's limit of 0.29 MiB for one package (limits.document_bytes); make package.json smaller") {
		t.Fatalf("publish past the document limit: %d %s", rep.Status, rep.Body)
	}
	p, ok := getPackument(t, s, "wordy")
	if !ok || len(p.Versions) != 3 || p.DistTags["latest"] != "1.0.2" {
		t.Fatalf("after the refused publish: versions %d, latest %q", len(p.Versions), p.DistTags["latest"])
	}
}
