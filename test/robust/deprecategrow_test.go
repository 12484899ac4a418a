package robust

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestDeprecationCannotTakeTheDocumentPastItsLimit deprecates every
// version of a package whose document is just under
// limits.document_bytes, with long messages, sending only what changes
// (the body is small; npm's own body, the whole document, may also be
// smaller than the registry's copy, which escapes <, > and &). Before, the
// deprecation was applied and the document grew past the limit; every
// later `npm deprecate`, `npm owner` and `npm unpublish pkg@ver` sends
// that document back and was refused as too large, so the maintainers
// could not even undo it. Now the deprecation is refused with 413 and
// nothing changes; a shorter message still works.
func TestDeprecationCannotTakeTheDocumentPastItsLimit(t *testing.T) {
	t.Parallel()
	// Three versions with 42 KB of description each make a document of
	// about 170 KB; three 1 KB messages take it past 172 000 bytes.
	s, tok := startWithUser(t, "[limits]\nmanifest_bytes = 100000\ndocument_bytes = 172000\n")
	filler := strings.Repeat("lorem ipsum ", 3500)
	for _, v := range []string{"1.0.0", "1.0.1", "1.0.2"} {
		if rep := publishDescribed(t, s, tok, "wordy", v, filler+v); rep.Status != http.StatusCreated {
			t.Fatalf("publish %s: %d %s", v, rep.Status, rep.Body)
		}
	}
	deprecateAll := func(msg string) (reply, int) {
		read := mustDo(t, http.MethodGet, s.URL+"wordy?write=true", tok, nil)
		var whole map[string]any
		if err := json.Unmarshal(read.Body, &whole); err != nil {
			t.Fatal(err)
		}
		// Only what changes: the registry reads a field left out as
		// unchanged, so the body is far smaller than the document.
		versions := map[string]any{}
		for v := range whole["versions"].(map[string]any) {
			versions[v] = map[string]any{"deprecated": msg}
		}
		sent, err := json.Marshal(map[string]any{"_id": "wordy", "_rev": whole["_rev"], "versions": versions})
		if err != nil {
			t.Fatal(err)
		}
		return mustDo(t, http.MethodPut, s.URL+"wordy", tok, sent), len(read.Body)
	}
	rep, size := deprecateAll(strings.Repeat("m", 1024))
	if size+3*1024 <= 172000 || size >= 172000 {
		t.Fatalf("the document is %d bytes; the test needs it just under 172000", size)
	}
	if rep.Status != http.StatusRequestEntityTooLarge || !strings.Contains(rep.ErrorMsg(), "limits.document_bytes") {
		t.Fatalf("deprecating every version of a %d-byte document with 1 KiB messages: %d %s, want 413 naming limits.document_bytes", size, rep.Status, rep.Body)
	}
	if after := mustDo(t, http.MethodGet, s.URL+"wordy", "", nil); strings.Contains(string(after.Body), `"deprecated"`) {
		t.Fatal("the refused deprecation was applied")
	}
	if rep, _ := deprecateAll("use 2"); rep.Status != http.StatusOK {
		t.Fatalf("a short deprecation: %d %s", rep.Status, rep.Body)
	}
}
