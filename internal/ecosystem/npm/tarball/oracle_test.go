package tarball

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/testserver"
)

// These tests hold Inspect to what npm really extracts: each
// tarball goes through npm's own node-tar and pacote (the code npm
// install runs, from the installed npm 11), by testdata/nodetar-oracle.js.

// nodeReading is what the oracle script reports for one tarball.
type nodeReading struct {
	Entries []struct {
		Path, Type string
		Size       int64
	}
	Files       []string // extracted by pacote, relative to the package
	PackageJSON []byte   // the extracted package.json; nil if none
	Error       string
}

// npmRoot is `npm root -g`, where npm's own node_modules live.
func npmRoot(t *testing.T) string {
	t.Helper()
	testserver.Slow(t, "runs npm's own node-tar and pacote under node")
	if _, err := exec.LookPath("npm"); err != nil {
		t.Fatal("npm is not installed; the test command installs it (see README)")
	}
	out, err := exec.Command("npm", "root", "-g").Output()
	if err != nil {
		t.Fatalf("npm root -g: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// readWithNode runs the real node-tar and pacote over tgz.
func readWithNode(t *testing.T, root string, tgz []byte) nodeReading {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "package.tgz")
	if err := os.WriteFile(file, tgz, 0o600); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs("testdata/nodetar-oracle.js")
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "out")
	cmd := exec.Command("node", script, file, dest)
	cmd.Env = append(os.Environ(), "NPM_ROOT="+root, "HOME="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node oracle: %v\n%s", err, stderr.String())
	}
	var r nodeReading
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("node oracle said %q: %v", out, err)
	}
	return r
}

// npmPacked is what the real `npm pack` writes for a package with nested
// folders, a bin, scripts, a long path (PAX) and a non-ASCII name.
func npmPacked(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	files := map[string]string{
		"package.json": `{
  "name": "oracle-pkg",
  "version": "1.2.3",
  "bin": {"oracle": "bin/cli.js"},
  "scripts": {"test": "node test.js", "postinstall": "node lib/install.js"},
  "dependencies": {}
}
`,
		"README.md":       "# oracle-pkg\n",
		"index.js":        "module.exports = require('./lib/a/b/c.js')\n",
		"bin/cli.js":      "#!/usr/bin/env node\nconsole.log('hi')\n",
		"lib/install.js":  "\n",
		"lib/a/b/c.js":    "module.exports = 42\n",
		"lib/naïve-日本.js": "module.exports = 'ü'\n",
		"lib/" + strings.Repeat("long-folder-name/", 8) + "deep.js": "exports.deep = true\n",
	}
	for name, body := range files {
		p := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("npm", "pack", "--ignore-scripts", "--pack-destination", dir)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "HOME="+dir, "npm_config_cache="+filepath.Join(dir, "cache"),
		"npm_config_update_notifier=false", "npm_config_userconfig="+filepath.Join(dir, "npmrc"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm pack: %v\n%s", err, out)
	}
	tgz, err := os.ReadFile(filepath.Join(dir, "oracle-pkg-1.2.3.tgz"))
	if err != nil {
		t.Fatal(err)
	}
	return tgz
}

// corpus is the seed corpus of FuzzInspectTarball, by file name.
func corpus(t *testing.T) map[string][]byte {
	t.Helper()
	dir := "testdata/fuzz/FuzzInspectTarball"
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		v, ok := strings.CutPrefix(lines[len(lines)-1], "[]byte(")
		if !ok || len(lines) != 2 {
			t.Fatalf("%s: not a one-value fuzz file", e.Name())
		}
		s, err := strconv.Unquote(strings.TrimSuffix(v, ")"))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		out[e.Name()] = []byte(s)
	}
	return out
}

// TestNodeTarOracleAgrees: for every tarball Rampart accepts (what npm
// pack writes, and each accepted seed of the fuzz corpus), npm's own
// reader lists the same regular files in the same order, pacote extracts
// the same files, and package.json has the very bytes Rampart checked.
func TestNodeTarOracleAgrees(t *testing.T) {
	root := npmRoot(t)
	tarballs := map[string][]byte{"npm pack": npmPacked(t)}
	for name, b := range corpus(t) {
		if _, err := Inspect(bytes.NewReader(b), limits.Default()); err == nil {
			tarballs["corpus/"+name] = b
		}
	}
	if len(tarballs) < 6 {
		t.Fatalf("only %d accepted tarballs to compare; the corpus lost its honest archives", len(tarballs))
	}
	for name, tgz := range tarballs {
		t.Run(name, func(t *testing.T) {
			info, err := Inspect(bytes.NewReader(tgz), limits.Default())
			if err != nil {
				t.Fatal(err)
			}
			node := readWithNode(t, root, tgz)
			if node.Error != "" {
				t.Fatalf("npm cannot extract a tarball Rampart accepted: %s", node.Error)
			}
			var listed []string
			for _, e := range node.Entries {
				switch e.Type {
				case "File":
					listed = append(listed, e.Path)
				case "Directory", "SymbolicLink":
				default:
					t.Fatalf("node-tar lists %q as %s", e.Path, e.Type)
				}
			}
			if !slices.Equal(listed, info.Files) {
				t.Fatalf("node-tar lists the files\n%q\nRampart recorded\n%q", listed, info.Files)
			}
			var stripped []string
			for _, f := range info.Files {
				_, rest, _ := strings.Cut(f, "/")
				stripped = append(stripped, rest)
			}
			slices.Sort(stripped)
			if !slices.Equal(node.Files, stripped) {
				t.Fatalf("npm extracts\n%q\nRampart recorded\n%q", node.Files, stripped)
			}
			if !bytes.Equal(node.PackageJSON, info.PackageJSONBytes) {
				t.Fatalf("npm extracts package.json as\n%s\nRampart checked\n%s", node.PackageJSON, info.PackageJSONBytes)
			}
			checkNodeTarAgrees(t, tgz, info)
		})
	}
}

// TestNodeTarOracleSmuggles: each differential is real, in that npm's own
// reader extracts another package.json or other files than archive/tar
// reads; and Rampart refuses it.
func TestNodeTarOracleSmuggles(t *testing.T) {
	root := npmRoot(t)
	for _, s := range npmfixture.Smuggles("smuggle", "1.0.0") {
		t.Run(s.Name, func(t *testing.T) {
			tgz := s.Tgz()
			goFiles := goRead(t, tgz)
			node := readWithNode(t, root, tgz)
			t.Logf("npm: files %q, package.json %q, error %q", node.Files, node.PackageJSON, node.Error)
			if s.Hidden != "" {
				if string(node.PackageJSON) != s.Hidden || goFiles["package/package.json"] == s.Hidden {
					t.Fatalf("npm extracts package.json %q and archive/tar reads %q: the differential is not there", node.PackageJSON, goFiles["package/package.json"])
				}
			} else {
				var goList []string
				for f := range goFiles {
					_, rest, _ := strings.Cut(strings.TrimPrefix(f, "./"), "/")
					goList = append(goList, rest)
				}
				slices.Sort(goList)
				if slices.Equal(node.Files, goList) && node.Error == "" {
					t.Fatalf("npm extracts %q, as archive/tar reads: the differential is not there", node.Files)
				}
			}
			if info, err := Inspect(bytes.NewReader(tgz), limits.Default()); err == nil {
				t.Fatalf("Rampart accepted it, recording package.json %s", info.PackageJSONBytes)
			}
		})
	}
}
