package tarball

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/secretfind"
	"github.com/rampart/rampart/internal/token"
)

// Inspect reports the credentials in every file, package.json and the
// README included, with the file's path, in its one pass; a token past
// the part of a README that is kept is still found.
func TestInspectFindsSecrets(t *testing.T) {
	tok, err := token.Generate()
	if err != nil {
		t.Fatal(err)
	}
	ghp := "ghp_" + strings.Repeat("Ab1Cd2Ef3G", 3) + "h4Ij5K"
	readme := strings.Repeat("lorem ipsum\n", MaxReadmeBytes/12+10) + "token: " + tok + "\n"
	tgz := npmfixture.Package(map[string]any{"name": "a", "version": "1.0.0", "description": ghp},
		map[string]string{".npmrc": "//r.example/:_authToken=" + tok + "\n", "README.md": readme, "lib/big.js": noise(t, 1<<20) + " " + ghp})
	info, err := Inspect(bytes.NewReader(tgz), limits.Default())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range info.Secrets {
		got[s.File] += s.Kind + ":" + s.Hash + " "
	}
	want := map[string]string{
		"package/package.json": "github: ",
		"package/.npmrc":       "rampart:" + token.Hash(tok) + " ",
		"package/README.md":    "rampart:" + token.Hash(tok) + " ",
		"package/lib/big.js":   "github: ",
	}
	if len(got) != len(want) {
		t.Fatalf("secrets = %q, want %q", got, want)
	}
	for f, w := range want {
		if got[f] != w {
			t.Errorf("%s: %q, want %q", f, got[f], w)
		}
	}
}

// noise is n bytes of base64 text that does not compress.
func noise(t *testing.T, n int) string {
	b := make([]byte, n*3/4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// A tarball full of tokens records at most limits.MaxSecretFindings.
func TestInspectBoundsSecrets(t *testing.T) {
	files := map[string]string{}
	for i := range 2 * limits.MaxSecretFindings {
		tok, _ := token.Generate()
		files[strings.Repeat("d", i%7+1)+"/f"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+".js"] = tok
	}
	info, err := Inspect(bytes.NewReader(npmfixture.Package(map[string]any{"name": "a", "version": "1.0.0"}, files)), limits.Default())
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Secrets) != limits.MaxSecretFindings {
		t.Fatalf("%d secrets recorded, want %d", len(info.Secrets), limits.MaxSecretFindings)
	}
}

// BenchmarkInspectScan compares Inspect on a tarball of source code (16
// MiB unpacked) with the secret finder alone on the same bytes: the
// finder's share of a publish's tarball pass.
func BenchmarkInspectScan(b *testing.B) {
	line := "const some_value = require('left-pad')(x, 10, '-'); // a_b-c " // 64 bytes
	files := map[string]string{}
	for i := range 16 {
		var sb strings.Builder
		for j := 0; sb.Len() < 1<<20; j++ {
			sb.WriteString(line)
			sb.WriteString(strconv.Itoa(i*1_000_000 + j))
			sb.WriteByte('\n')
		}
		files["lib/f"+strconv.Itoa(i)+".js"] = sb.String()
	}
	tgz := npmfixture.Package(map[string]any{"name": "a", "version": "1.0.0"}, files)
	var unpacked int64
	for _, f := range files {
		unpacked += int64(len(f))
	}
	b.Run("Inspect", func(b *testing.B) {
		b.SetBytes(unpacked)
		for b.Loop() {
			if _, err := Inspect(bytes.NewReader(tgz), limits.Default()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("FinderAlone", func(b *testing.B) {
		b.SetBytes(unpacked)
		for b.Loop() {
			for _, f := range files {
				var fd secretfind.Finder
				for off := 0; off < len(f); off += 32 * 1024 {
					fd.Write([]byte(f[off:min(off+32*1024, len(f))]))
				}
				fd.Done()
			}
		}
	})
}
