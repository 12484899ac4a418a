package robust

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/npmfixture"
)

// TestTarSmugglingRefused publishes, through the real server, tarballs
// that npm's node-tar extracts differently from Go's archive/tar: most
// hide a second package/package.json, with a dependency and an install
// script the packument would never show. Each publish document agrees
// with the package.json Go reads, so only the tarball check stands in
// the way. Each must be refused with 400 and a message saying what is
// wrong and that npm pack makes valid tarballs, and leave nothing behind.
func TestTarSmugglingRefused(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "")
	for i, sm := range npmfixture.Smuggles("placeholder", "1.0.0") {
		t.Run(sm.Name, func(t *testing.T) {
			name := fmt.Sprintf("smuggle-%d", i)
			tgz := npmfixture.Smuggles(name, "1.0.0")[i].Tgz()
			body := npmfixture.Publish{
				Manifest: map[string]any{"name": name, "version": "1.0.0"},
				Tarball:  tgz,
			}.Body()
			rep := mustDo(t, http.MethodPut, s.URL+name, tok, body)
			t.Logf("%d %s", rep.Status, rep.ErrorMsg())
			if rep.Status != http.StatusBadRequest || !strings.Contains(rep.ErrorMsg(), "tarball") || !strings.Contains(rep.ErrorMsg(), "npm pack") {
				t.Errorf("got %d %q, want 400 saying what is wrong with the tarball and to use npm pack", rep.Status, rep.ErrorMsg())
			}
			if _, ok := getPackument(t, s, name); ok {
				t.Errorf("%s has a packument after a refused publish", name)
			}
			if _, status := download(t, s.URL+name+"/-/"+name+"-1.0.0.tgz"); status != http.StatusNotFound {
				t.Errorf("the refused tarball is served: %d", status)
			}
			if files := blobFiles(t, s.Data); len(files) > 0 {
				t.Errorf("a refused publish left blobs behind: %v", files)
			}
		})
	}
	s.Stop()
	for _, e := range readEvents(t, s.Data) {
		if strings.HasPrefix(e.Type, "package.") {
			t.Errorf("a refused publish wrote event %d: %s %s@%s", e.Seq, e.Type, e.Package, e.Version)
		}
	}
}

// TestGypInstallScriptShown publishes a package whose package.json has no
// install script but whose tarball has a binding.gyp at its root: npm
// runs "node-gyp rebuild" when it installs it. The packument must say the
// package has an install script, as it does for a postinstall.
func TestGypInstallScriptShown(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "")
	tgz := npmfixture.Tarball(0,
		npmfixture.File("package/package.json", packageJSON("gyp-native", "1.0.0")),
		npmfixture.File("package/index.js", "module.exports = require('./build/Release/addon.node')\n"),
		npmfixture.File("package/binding.gyp", `{"targets":[{"target_name":"addon","sources":["addon.cc"]}]}`),
	)
	body := publishDoc("gyp-native", "1.0.0", tgz, npmfixture.Integrity(tgz))
	if rep := mustDo(t, http.MethodPut, s.URL+"gyp-native", tok, body); rep.Status != http.StatusCreated {
		t.Fatalf("publish: %d %s", rep.Status, rep.Body)
	}
	for _, accept := range []string{"application/json", "application/vnd.npm.install-v1+json"} {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"gyp-native", nil)
		req.Header.Set("Accept", accept)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Versions map[string]struct {
				HasInstallScript bool `json:"hasInstallScript"`
			} `json:"versions"`
		}
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !doc.Versions["1.0.0"].HasInstallScript {
			t.Errorf("%s packument: hasInstallScript is false, but npm runs node-gyp rebuild when it installs a package with binding.gyp", accept)
		}
	}
}
