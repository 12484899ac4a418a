package mfa

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

var recoveryCodeRE = regexp.MustCompile(`^[23456789abcdefghjkmnpqrstuvwxyz]{5}-[23456789abcdefghjkmnpqrstuvwxyz]{5}$`)

func mustRecoveryCodes(t testing.TB, n int) ([]string, []string) {
	t.Helper()
	codes, hashes, err := NewRecoveryCodes(n)
	if err != nil {
		t.Fatal(err)
	}
	return codes, hashes
}

func TestRecoveryAlphabet(t *testing.T) {
	if len(recoveryAlphabet) != 31 {
		t.Errorf("alphabet has %d characters, want 31", len(recoveryAlphabet))
	}
	if strings.ContainsAny(recoveryAlphabet, "0O1lIio") {
		t.Errorf("alphabet %q has a character people misread", recoveryAlphabet)
	}
	for i := 1; i < len(recoveryAlphabet); i++ {
		if strings.IndexByte(recoveryAlphabet[:i], recoveryAlphabet[i]) >= 0 {
			t.Errorf("alphabet repeats %q", recoveryAlphabet[i])
		}
	}
}

func TestNewRecoveryCodesFormatAndUniqueness(t *testing.T) {
	seen := make(map[string]bool)
	for range 100 {
		codes, hashes := mustRecoveryCodes(t, 0)
		if len(codes) != DefaultRecoveryCodes || len(hashes) != DefaultRecoveryCodes {
			t.Fatalf("got %d codes and %d hashes, want %d", len(codes), len(hashes), DefaultRecoveryCodes)
		}
		for i, c := range codes {
			if !recoveryCodeRE.MatchString(c) {
				t.Fatalf("code %q is not xxxxx-xxxxx from the alphabet", c)
			}
			if seen[c] {
				t.Fatalf("code %q generated twice", c)
			}
			seen[c] = true
			// What is stored is the SHA-256 of the code without its dash.
			sum := sha256.Sum256([]byte(strings.ReplaceAll(c, "-", "")))
			if hashes[i] != hex.EncodeToString(sum[:]) {
				t.Fatalf("hash %d = %s, want SHA-256 of %q", i, hashes[i], c)
			}
			if strings.Contains(hashes[i], strings.ReplaceAll(c, "-", "")) {
				t.Fatal("the hash contains the code")
			}
		}
	}
	if len(seen) != 1000 {
		t.Fatalf("%d distinct codes, want 1000", len(seen))
	}
	codes, _ := mustRecoveryCodes(t, 3)
	if len(codes) != 3 {
		t.Errorf("NewRecoveryCodes(3) gave %d codes", len(codes))
	}
	codes, _ = mustRecoveryCodes(t, -5)
	if len(codes) != DefaultRecoveryCodes {
		t.Errorf("NewRecoveryCodes(-5) gave %d codes, want the default %d", len(codes), DefaultRecoveryCodes)
	}
}

func TestNewRecoveryCodesUniform(t *testing.T) {
	// Each character should turn up about equally often; with 100,000
	// characters each of 31 is expected ~3226 times (σ ≈ 56), so 3000..3450
	// is a 4σ band. A modulo bias would show up as a lopsided count.
	counts := make(map[byte]int)
	for range 1000 {
		codes, _ := mustRecoveryCodes(t, 10)
		for _, c := range codes {
			for i := range len(c) {
				if c[i] != '-' {
					counts[c[i]]++
				}
			}
		}
	}
	for i := range len(recoveryAlphabet) {
		if n := counts[recoveryAlphabet[i]]; n < 3000 || n > 3450 {
			t.Errorf("%q appeared %d times in 100000, want about 3226", recoveryAlphabet[i], n)
		}
	}
}

func TestNewRecoveryCodesInjectedRand(t *testing.T) {
	// Bytes 248..255 are skipped; the rest pick alphabet[b%31].
	src := append(bytes.Repeat([]byte{255}, 5), []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}...)
	src = append(src, make([]byte, 100)...)
	codes, _, err := newRecoveryCodes(bytes.NewReader(src), 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := "23456-789ab"; codes[0] != want {
		t.Errorf("code = %q, want %q", codes[0], want)
	}
	// A repeated code is drawn again, not handed out twice: each code
	// reads 20 bytes, so the zeros give "22222-22222" three times.
	src = bytes.Repeat([]byte{0}, 60)
	src = append(src, bytes.Repeat([]byte{1}, 20)...)
	codes, _, err = newRecoveryCodes(bytes.NewReader(src), 2)
	if err != nil {
		t.Fatalf("second code: %v", err)
	}
	if want := []string{"22222-22222", "33333-33333"}; !slices.Equal(codes, want) {
		t.Errorf("codes = %q, want %q", codes, want)
	}
	boom := errors.New("boom")
	if _, _, err := newRecoveryCodes(iotest.ErrReader(boom), 1); !errors.Is(err, boom) {
		t.Errorf("err = %v, want it to wrap %v", err, boom)
	}
}

func TestMatchRecoveryCode(t *testing.T) {
	// The hashes of known codes, as NewRecoveryCodes would store them.
	hashes := []string{hashRecoveryCode("2345623456"), hashRecoveryCode("abcdefghjk"), hashRecoveryCode("zzzzzzzzzz")}
	for _, c := range []struct {
		input string
		index int
		ok    bool
	}{
		{"abcde-fghjk", 1, true},
		{"ABCDE-FGHJK", 1, true},
		{" abcde fghjk ", 1, true},
		{"abcdefghjk\n", 1, true},
		{"AbCdE-fGhJk", 1, true},
		{"23456-23456", 0, true},
		{"zzzzz-zzzzz", 2, true},
		{"abcde-fghjm", -1, false}, // one character off
		{"abcde-fghj", -1, false},  // truncated
		{"abcde-fghjkk", -1, false},
		{"", -1, false},
		{" - ", -1, false},
		{strings.Repeat("a", 1000), -1, false},
		{hashes[1], -1, false}, // the hash is not the code
	} {
		index, ok := MatchRecoveryCode(c.input, hashes)
		if index != c.index || ok != c.ok {
			t.Errorf("MatchRecoveryCode(%q) = %d, %v; want %d, %v", c.input, index, ok, c.index, c.ok)
		}
	}
	if index, ok := MatchRecoveryCode("abcde-fghjk", nil); ok || index != -1 {
		t.Errorf("no hashes: %d, %v", index, ok)
	}
}

func TestRecoveryCodeSingleUse(t *testing.T) {
	codes, hashes := mustRecoveryCodes(t, 10)
	for _, code := range []string{codes[3], codes[0], codes[9]} {
		i, ok := MatchRecoveryCode(code, hashes)
		if !ok {
			t.Fatalf("code %q did not match", code)
		}
		// What the caller does with the index: delete the used hash.
		hashes = slices.Delete(hashes, i, i+1)
		if _, ok := MatchRecoveryCode(code, hashes); ok {
			t.Fatalf("code %q matched after it was used", code)
		}
	}
	if len(hashes) != 7 {
		t.Fatalf("%d hashes left, want 7", len(hashes))
	}
	// The other codes still work.
	for _, code := range []string{codes[1], codes[2], codes[4], codes[8]} {
		if _, ok := MatchRecoveryCode(code, hashes); !ok {
			t.Errorf("unused code %q no longer matches", code)
		}
	}
	// Regenerating gives a new set; none of the old codes works with it.
	_, fresh := mustRecoveryCodes(t, 10)
	for _, code := range codes {
		if _, ok := MatchRecoveryCode(code, fresh); ok {
			t.Errorf("old code %q matches the regenerated set", code)
		}
	}
}
