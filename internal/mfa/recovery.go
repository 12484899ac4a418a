package mfa

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"unicode"
)

const (
	// DefaultRecoveryCodes is how many recovery codes NewRecoveryCodes
	// makes when asked for n <= 0: enough for several lost phones, few
	// enough to write down.
	DefaultRecoveryCodes = 10

	// RecoveryCodeLen is the number of characters in a recovery code,
	// without the dash shown in the middle.
	RecoveryCodeLen = 10

	// maxRecoveryInput bounds the input MatchRecoveryCode looks at; a code
	// with dashes and stray spaces is far shorter.
	maxRecoveryInput = 64
)

// recoveryAlphabet is the digits and lower-case letters without 0, 1, i, l
// and o, which people misread on paper and screens (O for 0, l or I for
// 1). Its 31 characters give RecoveryCodeLen*log2(31) ≈ 49.5 bits per code.
const recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// NewRecoveryCodes returns n single-use recovery codes (DefaultRecoveryCodes
// if n <= 0), formatted "xxxxx-xxxxx" to show the user once, and, in the same
// order, the hashes to store in their place. The codes are distinct.
//
// The hashes are a plain SHA-256 of the normalised code, not argon2 as for
// passwords, for three reasons. A password hash is slow to make guessing a
// human-chosen secret expensive; these codes are ~49.5 random bits that no
// dictionary helps with, and online guesses are throttled by the caller.
// Someone who steals the database can already read the TOTP secret stored
// beside the hashes (it must be kept recoverable to compute codes), so a
// slow hash would not keep the account safe from them. And every attempt
// compares against all of a user's hashes, so a slow hash would multiply
// its cost by ten on every login attempt, a cheap lever for denial of
// service.
func NewRecoveryCodes(n int) (codes []string, hashes []string, err error) {
	return newRecoveryCodes(rand.Reader, n)
}

func newRecoveryCodes(rnd io.Reader, n int) (codes []string, hashes []string, err error) {
	if n <= 0 {
		n = DefaultRecoveryCodes
	}
	codes = make([]string, 0, n)
	hashes = make([]string, 0, n)
	seen := make(map[string]bool, n)
	for len(codes) < n {
		code, err := newRecoveryCode(rnd)
		if err != nil {
			return nil, nil, err
		}
		// A repeat is all but impossible, but MatchRecoveryCode's index
		// must name one code, so make sure.
		if seen[code] {
			continue
		}
		seen[code] = true
		codes = append(codes, code[:RecoveryCodeLen/2]+"-"+code[RecoveryCodeLen/2:])
		hashes = append(hashes, hashRecoveryCode(code))
	}
	return codes, hashes, nil
}

// newRecoveryCode draws RecoveryCodeLen characters uniformly from
// recoveryAlphabet: random bytes of 248 or more are discarded, so that
// byte%31 favours no character (248 = 8*31).
func newRecoveryCode(rnd io.Reader) (string, error) {
	const limit = 256 - 256%len(recoveryAlphabet) // 248
	code := make([]byte, 0, RecoveryCodeLen)
	buf := make([]byte, 2*RecoveryCodeLen) // about 3% of bytes are discarded
	for len(code) < RecoveryCodeLen {
		if _, err := io.ReadFull(rnd, buf); err != nil {
			return "", fmt.Errorf("generating recovery code: %w", err)
		}
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			code = append(code, recoveryAlphabet[int(b)%len(recoveryAlphabet)])
			if len(code) == RecoveryCodeLen {
				break
			}
		}
	}
	return string(code), nil
}

// MatchRecoveryCode reports whether code is one of the codes hashes (as
// NewRecoveryCodes returned them) were made from, and if so its index in
// hashes, which the caller deletes so
// that the code works only once. Case, dashes and spaces in code do not
// matter. Every hash is compared, in constant time, whether or not an
// earlier one matched, so the time taken does not tell which code was hit.
func MatchRecoveryCode(code string, hashes []string) (index int, ok bool) {
	if len(code) > maxRecoveryInput {
		return -1, false
	}
	norm := normaliseRecoveryCode(code)
	if norm == "" {
		return -1, false
	}
	given := []byte(hashRecoveryCode(norm))
	index, found := -1, 0
	for i, h := range hashes {
		eq := subtle.ConstantTimeCompare(given, []byte(h))
		index = subtle.ConstantTimeSelect(eq, i, index)
		found |= eq
	}
	return index, found == 1
}

// normaliseRecoveryCode lowers the case and drops dashes and spaces, so
// that a code typed as "ABCDE FGHJK" or pasted with a trailing newline
// still matches.
func normaliseRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, code)
}

// hashRecoveryCode is the stored form of a normalised code: its SHA-256 in
// lower-case hex.
func hashRecoveryCode(norm string) string {
	sum := sha256.Sum256([]byte(norm))
	return hex.EncodeToString(sum[:])
}
