package npm

import (
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm/tarball"
)

// TestDeriveManifest: the served manifest is the tarball's package.json;
// the publish document contributes only short DocFields and the README.
func TestDeriveManifest(t *testing.T) {
	pub := &Publish{Name: "@alice/tool", Version: "1.0.0", Manifest: map[string]any{
		"name": "@alice/tool", "version": "1.0.0",
		"description": "from the document", "junk": strings.Repeat("x", 1<<20),
		"gitHead": "abc123", "readme": "# doc readme",
	}}
	info := &tarball.Info{PackageJSON: map[string]any{
		"name": "@alice/tool", "version": "1.0.0", "description": "from the tarball",
		"bin": "./cli.js", "_id": "forged", "dist": map[string]any{"tarball": "http://evil/"}, "deprecated": "forged",
	}, Readme: "# tarball readme"}
	m, err := DeriveManifest(pub, info)
	if err != nil {
		t.Fatal(err)
	}
	bin, _ := m["bin"].(map[string]any)
	switch {
	case m["description"] != "from the tarball":
		t.Errorf("description %v, want the tarball's", m["description"])
	case m["junk"] != nil:
		t.Error("a publish-document field outside DocFields was kept")
	case m["gitHead"] != "abc123" || m["readme"] != "# doc readme":
		t.Errorf("gitHead %v readme %v, want the document's", m["gitHead"], m["readme"])
	case bin["tool"] != "cli.js":
		t.Errorf("bin %v, want {tool: cli.js} as npm normalises it", m["bin"])
	case m["_id"] != nil || m["dist"] != nil || m["deprecated"] != nil:
		t.Errorf("registry fields taken from package.json: _id %v dist %v deprecated %v", m["_id"], m["dist"], m["deprecated"])
	}
	pub.Manifest["gitHead"] = strings.Repeat("a", MaxDocFieldBytes+1)
	if _, err := DeriveManifest(pub, info); core.KindOf(err) != core.KindInvalid || !strings.Contains(err.Error(), `"gitHead" is 257 bytes long`) {
		t.Errorf("an oversized gitHead: %v", err)
	}
}
