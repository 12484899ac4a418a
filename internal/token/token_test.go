package token

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/rampart/rampart/internal/core"
)

var patternRE = regexp.MustCompile(Pattern)

func mustGenerate(t testing.TB) string {
	t.Helper()
	tok, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestGenerateIsValid(t *testing.T) {
	for range 1000 {
		tok := mustGenerate(t)
		if len(tok) != Len || Len != 40 {
			t.Fatalf("len(%q) = %d, want 40", tok, len(tok))
		}
		if err := Check(tok); err != nil {
			t.Fatalf("Check(%q) = %v", tok, err)
		}
		if !patternRE.MatchString(tok) {
			t.Fatalf("Pattern does not match %q", tok)
		}
		if m := patternRE.FindString("npm_config_//registry/:_authToken=" + tok + "\n"); m != tok {
			t.Fatalf("Pattern found %q in an .npmrc line, want %q", m, tok)
		}
	}
}

func TestKnownToken(t *testing.T) {
	// CRC-32 (IEEE) of thirty '0's is 0x77e5db82 = 2011552642, which is
	// "2C8GjS" in base62: an independent check of the checksum encoding.
	body := strings.Repeat("0", BodyLen)
	tok := Prefix + body + "2C8GjS"
	if err := Check(tok); err != nil {
		t.Errorf("Check(%q) = %v", tok, err)
	}
	if got := Mask(tok); got != "rmp_0000" {
		t.Errorf("Mask = %q, want rmp_0000", got)
	}
}

func TestBase62(t *testing.T) {
	if got := checksum(nil); got != "000000" {
		t.Errorf("checksum(empty) = %q, want 000000 (the CRC-32 of nothing is 0)", got)
	}
	for _, tc := range []struct {
		n    uint32
		want string
	}{
		{0, "000000"},
		{61, "00000z"},
		{62, "000010"},
		{62*62*62 - 1, "000zzz"},
		{2011552642, "2C8GjS"},
		{math.MaxUint32, "4gfFC3"},
	} {
		if got := base62(tc.n); got != tc.want {
			t.Errorf("base62(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestCheckFlippedCharacter(t *testing.T) {
	tok := mustGenerate(t)
	for i := len(Prefix); i < len(tok); i++ {
		for _, c := range []byte{'0', 'a', 'Z', '9'} {
			if tok[i] == c {
				continue
			}
			bad := tok[:i] + string(c) + tok[i+1:]
			err := Check(bad)
			if err == nil {
				t.Fatalf("Check accepted %q (position %d changed)", bad, i)
			}
			requireUnauthenticated(t, err)
		}
	}
	// Swapping two adjacent, different characters is caught too.
	for i := len(Prefix); i+1 < len(tok); i++ {
		if tok[i] == tok[i+1] {
			continue
		}
		b := []byte(tok)
		b[i], b[i+1] = b[i+1], b[i]
		if Check(string(b)) == nil {
			t.Errorf("Check accepted a token with positions %d and %d swapped", i, i+1)
		}
	}
}

func requireUnauthenticated(t *testing.T, err error) {
	t.Helper()
	if k := core.KindOf(err); k != core.KindUnauthenticated {
		t.Errorf("error %q has kind %v, want unauthenticated", err, k)
	}
}

func TestCheckRejects(t *testing.T) {
	tok := mustGenerate(t)
	body := tok[len(Prefix):]
	tests := []struct {
		name, tok, msg string
	}{
		{"empty", "", `token is not a Rampart token (they start with "rmp_")`},
		{"npm token", "npm_" + body, `token is not a Rampart token (they start with "rmp_")`},
		{"GitHub token", "ghp_" + body, `token is not a Rampart token (they start with "rmp_")`},
		{"upper-case prefix", "RMP_" + body, `token is not a Rampart token (they start with "rmp_")`},
		{"no underscore", "rmp" + body, `token is not a Rampart token (they start with "rmp_")`},
		{"leading space", " " + tok, `token is not a Rampart token (they start with "rmp_")`},
		{"truncated", tok[:39], "token has 39 characters, but Rampart tokens have 40"},
		{"prefix only", Prefix, "token has 4 characters"},
		{"trailing newline", tok + "\n", "token has 41 characters"},
		{"extra character", tok + "a", "token has 41 characters"},
		{"dash", tok[:10] + "-" + tok[11:], "not a letter or digit at position 11"},
		{"underscore", tok[:39] + "_", "not a letter or digit at position 40"},
		{"non-ASCII", tok[:37] + "é" + tok[39:], "not a letter or digit at position 38"},
		{"wrong checksum", tok[:34] + flip(tok[34:]), "token checksum does not match: it was mistyped or truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.tok)
			if err == nil {
				t.Fatalf("Check(%q) = nil", tt.tok)
			}
			requireUnauthenticated(t, err)
			if !strings.Contains(core.Message(err), tt.msg) {
				t.Errorf("message %q does not contain %q", core.Message(err), tt.msg)
			}
			if len(tt.tok) > 8 && strings.Contains(err.Error(), tt.tok[4:]) {
				t.Errorf("error %q quotes the token", err)
			}
		})
	}
}

// flip changes every character of a checksum.
func flip(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '0' {
			b[i] = '1'
		} else {
			b[i] = '0'
		}
	}
	return string(b)
}

func TestDistinct(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		tok := mustGenerate(t)
		if seen[tok] {
			t.Fatalf("Generate repeated %q", tok)
		}
		seen[tok] = true
	}
}

// TestDistribution is a sanity check that the characters of the alphabet
// occur at the expected rate, overall and in every body position.
func TestDistribution(t *testing.T) {
	const n = 20000
	var counts [BodyLen][62]int
	var total [62]int
	for range n {
		tok := mustGenerate(t)
		for i := range BodyLen {
			c := strings.IndexByte(alphabet, tok[len(Prefix)+i])
			counts[i][c]++
			total[c]++
		}
	}
	// A count of draws that each hit with probability 1/62 is binomial.
	// Bounds 7 standard deviations out make a false failure vanishingly
	// unlikely (below 1e-8 across all cells). Overall (600,000 draws: mean
	// 9677, sd 98) they still catch the classic bias, byte%62 without
	// rejection, which gives '0'-'7' a probability of 5/256 instead of
	// 1/62, about 2000 (20 sd) too many. Per position (mean 323, sd 18)
	// they catch a position stuck on a few characters.
	check := func(what string, count [62]int, draws float64) {
		t.Helper()
		mean := draws / 62
		sd := math.Sqrt(draws * (1.0 / 62) * (61.0 / 62))
		for j, c := range count {
			if math.Abs(float64(c)-mean) > 7*sd {
				t.Errorf("%s: %q occurred %d times, want %.0f ± %.0f", what, alphabet[j], c, mean, 7*sd)
			}
		}
	}
	check("all positions", total, n*BodyLen)
	for i := range BodyLen {
		check(fmt.Sprintf("position %d", i), counts[i], n)
	}
}

func TestGenerateRejectsBiasedBytes(t *testing.T) {
	// 248..255 must be skipped: a source of only those bytes followed by
	// zeros yields a body of '0's.
	src := bytes.Repeat([]byte{248, 249, 250, 255}, 50)
	src = append(src, make([]byte, 200)...)
	tok, err := generate(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if want := Prefix + strings.Repeat("0", BodyLen) + "2C8GjS"; tok != want {
		t.Errorf("generate = %q, want %q", tok, want)
	}
	// Byte 247 is the last accepted: 247%62 = 61, 'z'.
	tok, err = generate(bytes.NewReader(bytes.Repeat([]byte{247}, 60)))
	if err != nil {
		t.Fatal(err)
	}
	if body := tok[len(Prefix) : len(Prefix)+BodyLen]; body != strings.Repeat("z", BodyLen) {
		t.Errorf("body = %q, want all z", body)
	}
}

func TestGenerateReaderError(t *testing.T) {
	boom := errors.New("no entropy")
	if _, err := generate(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("generate with a failing reader: %v, want %v", err, boom)
	}
}

func TestHash(t *testing.T) {
	tok := Prefix + strings.Repeat("0", BodyLen) + "2C8GjS"
	h := Hash(tok)
	if len(h) != 64 || strings.ToLower(h) != h {
		t.Fatalf("Hash = %q, want 64 lowercase hex characters", h)
	}
	// SHA-256 of the empty string, a fixed point to check the encoding.
	if got, want := Hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"; got != want {
		t.Errorf("Hash(\"\") = %s, want %s", got, want)
	}
	if Hash(tok) != h {
		t.Error("Hash is not deterministic")
	}
	if strings.Contains(h, tok[len(Prefix):]) {
		t.Error("Hash contains the token")
	}
	other := mustGenerate(t)
	if Equal(Hash(other), h) {
		t.Error("two tokens have equal hashes")
	}
	if !Equal(h, Hash(tok)) {
		t.Error("Equal(h, h) = false")
	}
	if Equal(h, h[:63]) || Equal(h, "") {
		t.Error("Equal accepts a hash of another length")
	}
}

func TestMask(t *testing.T) {
	tok := mustGenerate(t)
	m := Mask(tok)
	if m != tok[:8] || !strings.HasPrefix(m, Prefix) || len(m) != 8 {
		t.Errorf("Mask(%q) = %q, want %q", tok, m, tok[:8])
	}
	for _, bad := range []string{"", "rmp_", "rmp_abc", "npm_" + tok[4:], tok + "x"} {
		if got := Mask(bad); got != "" {
			t.Errorf("Mask(%q) = %q, want \"\"", bad, got)
		}
	}
}

func TestPattern(t *testing.T) {
	tok := mustGenerate(t)
	for _, tc := range []struct {
		text  string
		match bool
	}{
		{tok, true},
		{"token: " + tok + ".", true},
		{`"` + tok + `"`, true},
		{"x" + tok, false},  // glued to a word before
		{tok + "a", false},  // 37 characters after the prefix
		{tok[:39], false},   // 35
		{tok + "_x", false}, // '_' is a word character
		{"rmp_" + strings.Repeat("-", 36), false},
	} {
		if got := patternRE.MatchString(tc.text); got != tc.match {
			t.Errorf("Pattern matches %q = %v, want %v", tc.text, got, tc.match)
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add(Prefix + strings.Repeat("0", BodyLen) + "2C8GjS")
	f.Add("")
	f.Add("rmp_")
	f.Add("npm_" + strings.Repeat("a", 36))
	f.Add(Prefix + strings.Repeat("\xff", 36))
	f.Fuzz(func(t *testing.T, tok string) {
		err := Check(tok)
		_ = Mask(tok)
		_ = Hash(tok)
		if err != nil {
			if core.KindOf(err) != core.KindUnauthenticated {
				t.Fatalf("Check(%q) error %v has kind %v", tok, err, core.KindOf(err))
			}
			return
		}
		// Whatever Check accepts has the documented shape.
		if len(tok) != Len || !patternRE.MatchString(tok) || Mask(tok) != tok[:8] {
			t.Fatalf("Check accepted %q, which does not have a token's shape", tok)
		}
		if checksum([]byte(tok[4:34])) != tok[34:] {
			t.Fatalf("Check accepted %q with a wrong checksum", tok)
		}
	})
}
