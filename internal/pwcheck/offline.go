package pwcheck

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"unicode"

	"github.com/trustelem/zxcvbn/frequency"
)

// commonPasswords is zxcvbn's list of the 30,000 most common passwords,
// all lower case, as a set.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	list := frequency.FrequencyLists["passwords"]
	set := make(map[string]struct{}, len(list))
	for _, p := range list {
		set[p] = struct{}{}
	}
	return set
})

// isCommon reports whether password, ignoring case, is on the common list,
// also once spaces and separators are taken out ("Pass Word 123" is
// "password123").
func isCommon(password string) bool {
	lower := strings.ToLower(password)
	if _, ok := commonPasswords()[lower]; ok {
		return true
	}
	_, ok := commonPasswords()[lettersAndDigits(lower)]
	return ok
}

// lettersAndDigits keeps only the letters and digits of s.
func lettersAndDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// hashSet holds SHA-1 sums of leaked passwords. A nil hashSet is empty.
type hashSet map[[20]byte]struct{}

func (s hashSet) has(sum [20]byte) bool {
	_, ok := s[sum]
	return ok
}

// readHashFile reads an operator's file of SHA-1 hashes: 40 hex digits a
// line, in either case, optionally followed by ":count"; blank lines and
// lines starting with # are skipped.
func readHashFile(name string) (hashSet, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("pwcheck: extra hashes file: %w", err)
	}
	defer f.Close()
	set := hashSet{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		h, _, _ := strings.Cut(line, ":")
		var sum [20]byte
		if len(h) != 2*len(sum) {
			return nil, fmt.Errorf("pwcheck: extra hashes file %s, line %d: want 40 hex digits of a SHA-1 hash", name, n)
		}
		if _, err := hex.Decode(sum[:], []byte(h)); err != nil {
			return nil, fmt.Errorf("pwcheck: extra hashes file %s, line %d: want 40 hex digits of a SHA-1 hash", name, n)
		}
		set[sum] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("pwcheck: extra hashes file %s: %w", name, err)
	}
	return set, nil
}
