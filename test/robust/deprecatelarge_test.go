package robust

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestDeprecateLargeDocument deprecates, as `npm deprecate` does (the
// whole document read with ?write=true, sent back to PUT /<name> with
// "deprecated" set), a package whose document is larger than
// limits.manifest_bytes but within limits.document_bytes, as the
// registry allows. Before, the body was held to manifest_bytes, so such a
// package could no longer be deprecated: 413, "shorten the README or
// package.json". A publish is still held to manifest_bytes.
func TestDeprecateLargeDocument(t *testing.T) {
	t.Parallel()
	// Each version's package.json carries 42 KB of description, which
	// a publish sends twice: three versions make a document of about 170 KB.
	s, tok := startWithUser(t, "[limits]\nmanifest_bytes = 100000\ndocument_bytes = 400000\n")
	filler := strings.Repeat("lorem ipsum ", 3500)
	publish := func(v, description string) reply { return publishDescribed(t, s, tok, "wordy", v, description) }
	for _, v := range []string{"1.0.0", "1.0.1", "1.0.2"} {
		if rep := publish(v, filler+v); rep.Status != http.StatusCreated {
			t.Fatalf("publish %s: %d %s", v, rep.Status, rep.Body)
		}
	}
	read := mustDo(t, http.MethodGet, s.URL+"wordy?write=true", tok, nil)
	if len(read.Body) <= 100000 {
		t.Fatalf("the document is %d bytes, want more than manifest_bytes for this test", len(read.Body))
	}
	var whole map[string]any
	if err := json.Unmarshal(read.Body, &whole); err != nil {
		t.Fatal(err)
	}
	whole["versions"].(map[string]any)["1.0.0"].(map[string]any)["deprecated"] = "use 1.0.2"
	sent, err := json.Marshal(whole)
	if err != nil {
		t.Fatal(err)
	}
	if rep := mustDo(t, http.MethodPut, s.URL+"wordy", tok, sent); rep.Status != http.StatusOK {
		t.Fatalf("deprecating a version of a %d-byte document: %d %s", len(read.Body), rep.Status, rep.Body)
	}
	after := mustDo(t, http.MethodGet, s.URL+"wordy", "", nil)
	if !strings.Contains(string(after.Body), `"deprecated":"use 1.0.2"`) {
		t.Fatal("the deprecation was not applied")
	}
	// A publish document over manifest_bytes is still refused.
	rep := publish("1.0.3", strings.Repeat("lorem ipsum ", 10000))
	if rep.Status != http.StatusRequestEntityTooLarge || !strings.Contains(rep.ErrorMsg(), "limits.manifest_bytes") {
		t.Fatalf("publish of a 120 KB package.json with manifest_bytes = 100000: %d %s", rep.Status, rep.Body)
	}
}
