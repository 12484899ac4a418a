package tarball

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/npmfixture"
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
	readme := strings.Repeat("lorem ipsum\n", limits.MaxReadmeBytes/12+10) + "token: " + tok + "\n"
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
