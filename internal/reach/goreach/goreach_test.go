package goreach

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	osv "github.com/rampart/rampart/internal/osvclient"
)

// TestParse reads govulncheck's JSON stream: the deepest level per record.
func TestParse(t *testing.T) {
	stream := `{"config":{"protocol_version":"v1.0.0"}}
{"osv":{"id":"GO-1"}}
{"finding":{"osv":"GO-1","trace":[{"module":"m","version":"v1.0.0"}]}}
{"finding":{"osv":"GO-1","trace":[{"module":"m","package":"m/p"}]}}
{"finding":{"osv":"GO-1","trace":[{"module":"m","package":"m/p","function":"Parse"},{"module":"example.com/app","package":"main","function":"main"}]}}
{"finding":{"osv":"GO-2","trace":[{"module":"m","package":"m/q"}]}}
{"finding":{"osv":"GO-3","trace":[{"module":"n"}]}}
`
	got, err := parse(strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	if got["GO-1"].Level != Called || got["GO-1"].Trace != "main.main > m/p.Parse" || got["GO-2"].Level != Imported || got["GO-3"].Level != Required {
		t.Fatalf("%+v", got)
	}
}

// TestWriteDB writes the v1 layout govulncheck reads from file://.
func TestWriteDB(t *testing.T) {
	dir := t.TempDir()
	rec := osv.Vuln{ID: "GO-2026-1", Affected: []osv.Affected{{
		Package: osv.Package{Ecosystem: "Go", Name: "example.com/m"},
		Ranges:  []osv.Range{{Type: "ECOSYSTEM", Events: []osv.Event{{Introduced: "v0"}, {Fixed: "v1.2.0"}}}},
	}}}
	if err := WriteDB(dir, []osv.Vuln{rec}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	var mods []struct {
		Path  string
		Vulns []struct{ ID, Modified, Fixed string }
	}
	b, _ := os.ReadFile(filepath.Join(dir, "index", "modules.json"))
	if err := json.Unmarshal(b, &mods); err != nil || len(mods) != 1 || mods[0].Path != "example.com/m" || mods[0].Vulns[0].Fixed != "1.2.0" || mods[0].Vulns[0].Modified == "" {
		t.Fatalf("modules.json: %s %v", b, err)
	}
	b, _ = os.ReadFile(filepath.Join(dir, "ID", "GO-2026-1.json"))
	var back osv.Vuln
	if err := json.Unmarshal(b, &back); err != nil || back.Affected[0].Ranges[0].Type != "SEMVER" || back.Affected[0].Ranges[0].Events[1].Fixed != "1.2.0" {
		t.Fatalf("entry: %s", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "index", "db.json")); err != nil {
		t.Fatal(err)
	}
}
