//go:build yara

package malscan

import (
	"os"
	"path/filepath"
	"testing"
)

func TestYARARules(t *testing.T) {
	p := filepath.Join(t.TempDir(), "r.yar")
	os.WriteFile(p, []byte(`rule Stealer { meta: description = "steals tokens" strings: $a = "steal-the-token" condition: $a }`), 0o600)
	m, err := LoadYARA([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	got := New(m).Scan(input(map[string]string{"x.js": "// steal-the-token", "y.js": "fine"}))
	if len(got) != 1 || got[0].ID != "YARA:Stealer" || got[0].File != "x.js" || got[0].Description != "steals tokens" {
		t.Fatalf("findings = %+v", got)
	}
}
