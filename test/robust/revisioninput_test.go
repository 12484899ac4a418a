package robust

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestRevisionUpdateWithOddMaintainersIsBadInput sends the revision
// update of `npm owner` with maintainers that are not {"name": ...}
// objects. Before, the server panicked on the type assertion and npm saw
// the connection drop ("socket hang up") instead of a message; now it is a
// 400 saying what the field must hold, and the owners are unchanged.
func TestRevisionUpdateWithOddMaintainersIsBadInput(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "")
	const pkg = "owned-pkg"
	body, _ := goodPublish(t, pkg, "1.0.0", "first")
	if rep := mustDo(t, http.MethodPut, s.URL+pkg, tok, body); rep.Status != http.StatusCreated {
		t.Fatalf("publish: %d %s", rep.Status, rep.Body)
	}
	read := mustDo(t, http.MethodGet, s.URL+pkg+"?write=true", tok, nil)
	var doc struct {
		Rev string `json:"_rev"`
	}
	if err := json.Unmarshal(read.Body, &doc); err != nil || doc.Rev == "" {
		t.Fatalf("reading %s for writing: %d %s", pkg, read.Status, read.Body)
	}
	for _, maintainers := range []string{`["eve"]`, `[{"name":"robot"},7]`, `[null]`} {
		sent := `{"_id":"` + pkg + `","_rev":"` + doc.Rev + `","maintainers":` + maintainers + `}`
		rep, err := do(http.MethodPut, s.URL+pkg+"/-rev/"+doc.Rev, tok, strings.NewReader(sent), "application/json")
		if err != nil {
			t.Fatalf("maintainers %s: %v (the server dropped the connection)", maintainers, err)
		}
		if rep.Status != http.StatusBadRequest || !strings.Contains(rep.ErrorMsg(), `"maintainers"`) {
			t.Errorf("maintainers %s: %d %s, want 400 saying what \"maintainers\" must hold", maintainers, rep.Status, rep.Body)
		}
	}
	after := mustDo(t, http.MethodGet, s.URL+pkg+"?write=true", tok, nil)
	var owners struct {
		Rev         string `json:"_rev"`
		Maintainers []struct {
			Name string `json:"name"`
		} `json:"maintainers"`
	}
	if err := json.Unmarshal(after.Body, &owners); err != nil {
		t.Fatal(err)
	}
	if owners.Rev != doc.Rev || len(owners.Maintainers) != 1 || owners.Maintainers[0].Name != testUser {
		t.Errorf("after refused updates: revision %s (was %s), maintainers %+v, want only %s", owners.Rev, doc.Rev, owners.Maintainers, testUser)
	}
}
