package quarantine_test

import (
	"encoding/json"
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/store"
)

// latest is the latest tag of the package's public document.
func (e *env) latest(name string) string {
	e.t.Helper()
	d, err := e.svc.Registry.Document(e.ctx, authz.Principal{}, name, store.DocFull)
	if err != nil {
		e.t.Fatal(err)
	}
	var doc struct {
		Tags map[string]string `json:"dist-tags"`
	}
	if err := json.Unmarshal(d.Full, &doc); err != nil {
		e.t.Fatal(err)
	}
	return doc.Tags["latest"]
}

// Removing the version latest names moves latest to the highest version
// still served (the document would otherwise have no latest: `npm view`
// shows none); restoring it moves latest back.
func TestRemoveLatestMovesTagAndRestoreBack(t *testing.T) {
	e := newEnv(t)
	for _, v := range []string{"1.0.0", "1.1.0"} {
		if _, err := e.svc.Registry.Publish(e.ctx, e.as(e.alice), "app", body("app", v, map[string]string{"index.js": "module.exports = 1\n"}, nil)); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.latest("app"); got != "1.1.0" {
		t.Fatalf("latest = %q after publishing 1.1.0", got)
	}
	if _, err := e.svc.Quarantine.Remove(e.ctx, e.as(e.mod), "app", "1.1.0", "trademark complaint"); err != nil {
		t.Fatal(err)
	}
	if got := e.latest("app"); got != "1.0.0" {
		t.Fatalf("with 1.1.0 removed, latest = %q, want 1.0.0", got)
	}
	out, err := e.svc.Quarantine.Restore(e.ctx, e.as(e.mod), "app", "1.1.0", "complaint withdrawn")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.latest("app"); got != "1.1.0" || out.Tag != "latest" {
		t.Fatalf("after restoring 1.1.0, latest = %q (outcome tag %q), want 1.1.0", got, out.Tag)
	}
	// Removing a version latest does not name leaves latest alone.
	if _, err := e.svc.Quarantine.Remove(e.ctx, e.as(e.mod), "app", "1.0.0", "spam"); err != nil {
		t.Fatal(err)
	}
	if got := e.latest("app"); got != "1.1.0" {
		t.Fatalf("with 1.0.0 removed, latest = %q, want 1.1.0", got)
	}
}
