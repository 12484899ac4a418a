package secretfind

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/token"
)

func mustToken(t testing.TB) string {
	t.Helper()
	tok, err := token.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// examples has one made-up token of every kind, of the documented shape.
var examples = map[string]string{
	"npm_":                        "npm_" + strings.Repeat("a1B2c", 7) + "D",
	"ghp_":                        "ghp_" + strings.Repeat("Z9y8X", 7) + "w",
	"gho_":                        "gho_" + strings.Repeat("Z9y8X", 7) + "w",
	"ghu_":                        "ghu_" + strings.Repeat("Z9y8X", 7) + "w",
	"ghs_":                        "ghs_" + strings.Repeat("Z9y8X", 7) + "w",
	"ghr_":                        "ghr_" + strings.Repeat("Z9y8X", 7) + "w",
	"github_pat_":                 "github_pat_" + strings.Repeat("11ABCDEFG0", 2) + "_" + strings.Repeat("aZ09", 15) + "q",
	"pypi-AgEIcHlwaS5vcmc":        "pypi-AgEIcHlwaS5vcmc" + strings.Repeat("CJGE4YzY2-_", 6),
	"pypi-AgENdGVzdC5weXBpLm9yZw": "pypi-AgENdGVzdC5weXBpLm9yZw" + strings.Repeat("CJGE4YzY2-_", 6),
	"rubygems_":                   "rubygems_" + strings.Repeat("0123456789abcdef", 3),
	"glpat-":                      "glpat-" + "xY3_zA-9bC8dE7fG6hI5",
}

func TestEveryKindIsFound(t *testing.T) {
	for _, k := range Kinds() {
		if k.ID == KindRampart {
			continue
		}
		ex, ok := examples[k.Prefix]
		if !ok {
			t.Fatalf("no example for %s", k.Prefix)
		}
		got := Find([]byte("x = '" + ex + "'\n"))
		if len(got) != 1 || got[0].Kind != k.ID || got[0].Name != k.Name || got[0].Hash != "" {
			t.Errorf("%s: found %+v", k.Prefix, got)
		}
		// Glued to a word on the left, it is part of something else.
		if got := Find([]byte("x" + ex)); len(got) != 0 {
			t.Errorf("%s glued to a word: found %+v", k.Prefix, got)
		}
		// Too short to be one.
		if got := Find([]byte(k.Prefix + "abc ")); len(got) != 0 {
			t.Errorf("%s with a short body: found %+v", k.Prefix, got)
		}
		if k.Exact {
			if got := Find([]byte(ex + "x")); len(got) != 0 {
				t.Errorf("%s one character too long: found %+v", k.Prefix, got)
			}
		}
	}
}

// A Rampart token is found by its hash, only when its checksum holds,
// wherever token.Pattern matches it.
func TestRampartTokens(t *testing.T) {
	re := regexp.MustCompile(token.Pattern)
	for range 200 {
		tok := mustToken(t)
		for _, text := range []string{
			tok,
			"//registry.example/:_authToken=" + tok + "\n",
			`{"token":"` + tok + `"}`,
			"NPM_TOKEN=" + tok,
		} {
			got := Find([]byte(text))
			if re.FindString(text) != tok {
				t.Fatalf("token.Pattern misses %q", text)
			}
			if len(got) != 1 || got[0].Kind != KindRampart || got[0].Hash != token.Hash(tok) {
				t.Fatalf("Find(%q) = %+v", text, got)
			}
		}
		// One character changed: the checksum no longer holds.
		bad := []byte(tok)
		bad[10] ^= 1
		if token.Check(string(bad)) == nil {
			continue // the flipped character was still a letter with the same CRC: skip
		}
		if got := Find(bad); len(got) != 0 {
			t.Fatalf("a lookalike was found: %+v", got)
		}
		// Glued to a word character on either side: not a token (\b).
		if got := Find([]byte("x" + tok)); len(got) != 0 {
			t.Fatalf("glued on the left: %+v", got)
		}
		if got := Find([]byte(tok + "_")); len(got) != 0 {
			t.Fatalf("glued on the right: %+v", got)
		}
	}
}

// A token is found whatever the writes it is split across, and each only
// once per stream.
func TestSplitAcrossWrites(t *testing.T) {
	tok := mustToken(t)
	text := []byte(strings.Repeat("x=1;\n", 20000) + "auth=" + tok + "\n" + examples["ghp_"] + " " + tok + "\n" + strings.Repeat("y", 70000))
	want := Find(text)
	if len(want) != 2 {
		t.Fatalf("Find = %+v, want the Rampart and the GitHub token", want)
	}
	for _, size := range []int{1, 7, 40, 4096, 32 * 1024, 32*1024 + 1, 100000} {
		var f Finder
		for off := 0; off < len(text); off += size {
			f.Write(text[off:min(off+size, len(text))])
		}
		got := f.Done()
		if len(got) != len(want) || got[0] != want[0] && got[0] != want[1] {
			t.Fatalf("writes of %d: %+v, want %+v", size, got, want)
		}
	}
	// A token at every offset around the boundary of large writes (those
	// scanned where they lie), and of the carried bytes.
	for _, size := range []int{2 * keep, 2*keep + 1, 4096} {
		for at := size - len(tok) - keep - 2; at < size+keep+2; at++ {
			text := []byte(strings.Repeat(".", at) + tok + " " + strings.Repeat(".", 3*size))
			var f Finder
			for off := 0; off < len(text); off += size {
				f.Write(text[off:min(off+size, len(text))])
			}
			if got := f.Done(); len(got) != 1 || got[0].Hash != token.Hash(tok) {
				t.Fatalf("writes of %d, token at %d: %+v", size, at, got)
			}
		}
	}
	// Done resets: a second stream starts clean.
	var f Finder
	f.Write([]byte("a" + tok[:3]))
	f.Done()
	f.Write([]byte(tok[3:]))
	if got := f.Done(); len(got) != 0 {
		t.Fatalf("a token split across two streams was found: %+v", got)
	}
}

// Every split of a stream finds what Find finds in the whole.
func FuzzFinder(f *testing.F) {
	tok, _ := token.Generate()
	f.Add([]byte("token="+tok+"\n"), uint16(3))
	f.Add([]byte(examples["github_pat_"]+" "+examples["pypi-AgEIcHlwaS5vcmc"]), uint16(17))
	f.Add([]byte("rmp_rmp_ghp_-_"), uint16(1))
	f.Fuzz(func(t *testing.T, b []byte, size uint16) {
		if len(b) == 0 {
			return
		}
		want := Find(b)
		n := int(size)%len(b) + 1
		var fd Finder
		if _, err := io.CopyBuffer(&fd, bytes.NewReader(b), make([]byte, n)); err != nil {
			t.Fatal(err)
		}
		got := fd.Done()
		if len(got) != len(want) {
			t.Fatalf("in writes of %d: %+v; whole: %+v", n, got, want)
		}
		seen := map[Finding]bool{}
		for _, g := range got {
			seen[g] = true
		}
		for _, w := range want {
			if !seen[w] {
				t.Fatalf("in writes of %d: %+v; whole: %+v", n, got, want)
			}
		}
	})
}

// BenchmarkFinder is the scan's cost per byte of ordinary source code,
// what every byte of every upload pays.
func BenchmarkFinder(b *testing.B) {
	src := []byte(strings.Repeat("const some_value = require('left-pad')(x, 10, '-'); // a_b-c\n", 1<<14))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		var f Finder
		for off := 0; off < len(src); off += 32 * 1024 {
			f.Write(src[off:min(off+32*1024, len(src))])
		}
		f.Done()
	}
}
