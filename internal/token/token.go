// Package token defines the format of Rampart's API tokens: how they are
// generated, checked offline, hashed for storage and masked for display.
// docs/tokens.md explains the format to users and operators.
//
// A token is
//
//	rmp_ <30 random base62 characters> <6 base62 characters of checksum>
//
// 40 characters in all. The checksum is the CRC-32 (IEEE) of the 30-character
// body, written in base62 and left-padded with '0'. It lets Check reject a
// mistyped, truncated or made-up token without a database lookup, and lets
// secret scanners tell a real token from a lookalike.
//
// What a token may do (packages, actions, expiry, CIDR ranges) is not in the
// token: the server keeps it, keyed by Hash(token).
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"strings"

	"github.com/rampart/rampart/internal/core"
)

const (
	// Prefix starts every Rampart token.
	Prefix = "rmp_"

	// Pattern is a regular expression (RE2 and PCRE syntax) matching a
	// Rampart token in free text, for secret scanners such as GitHub secret
	// scanning, gitleaks or trufflehog. A match should then be confirmed
	// with Check, which verifies the checksum.
	Pattern = `\brmp_[0-9A-Za-z]{36}\b`

	// BodyLen is the number of random characters in a token.
	BodyLen = 30
	// ChecksumLen is the number of checksum characters in a token.
	ChecksumLen = 6
	// Len is the length of a whole token.
	Len = len(Prefix) + BodyLen + ChecksumLen

	// maskLen is how many body characters Mask shows.
	maskLen = 4
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Generate returns a new token whose body is drawn from crypto/rand.
func Generate() (string, error) {
	return generate(rand.Reader)
}

// generate draws the body from rnd. Each character is chosen uniformly:
// random bytes of 248 or more are discarded, so that byte%62 favours no
// character (248 = 4*62).
func generate(rnd io.Reader) (string, error) {
	const limit = 256 - 256%len(alphabet) // 248
	body := make([]byte, 0, BodyLen)
	buf := make([]byte, 2*BodyLen) // about 3% of bytes are discarded
	for len(body) < BodyLen {
		if _, err := io.ReadFull(rnd, buf); err != nil {
			return "", fmt.Errorf("generating token: %w", err)
		}
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			body = append(body, alphabet[int(b)%len(alphabet)])
			if len(body) == BodyLen {
				break
			}
		}
	}
	return Prefix + string(body) + checksum(body), nil
}

// checksum returns the CRC-32 of body in base62, left-padded with '0' to
// ChecksumLen characters. 62^6 > 2^32, so every CRC-32 fits.
func checksum(body []byte) string {
	return base62(crc32.ChecksumIEEE(body))
}

// base62 writes n as ChecksumLen base62 digits, most significant first.
func base62(n uint32) string {
	var out [ChecksumLen]byte
	for i := ChecksumLen - 1; i >= 0; i-- {
		out[i] = alphabet[n%62]
		n /= 62
	}
	return string(out[:])
}

func isBase62(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}

// Check validates a token's format and checksum offline, before any
// database lookup. A token that passes may still be unknown, expired or
// revoked; one that fails cannot be a token Rampart issued. Errors are of
// kind core.KindUnauthenticated and never quote the token.
func Check(tok string) error {
	if !strings.HasPrefix(tok, Prefix) {
		return core.Errorf(core.KindUnauthenticated, "token is not a Rampart token (they start with %q)", Prefix)
	}
	if len(tok) != Len {
		return core.Errorf(core.KindUnauthenticated,
			"token has %d characters, but Rampart tokens have %d: it was truncated or has extra characters (spaces, a newline?)", len(tok), Len)
	}
	for i := len(Prefix); i < len(tok); i++ {
		if !isBase62(tok[i]) {
			return core.Errorf(core.KindUnauthenticated,
				"token has a character that is not a letter or digit at position %d: it was mistyped or mangled", i+1)
		}
	}
	body := tok[len(Prefix) : len(Prefix)+BodyLen]
	if checksum([]byte(body)) != tok[len(Prefix)+BodyLen:] {
		return core.Errorf(core.KindUnauthenticated, "token checksum does not match: it was mistyped or truncated")
	}
	return nil
}

// Hash returns the hex-encoded SHA-256 of the whole token. It is the only
// form of a token the server stores; the token itself is shown once, when
// it is created, and never again.
//
// A single unsalted SHA-256 is enough here, unlike for passwords: a token
// carries about 178 bits of entropy, so its hash cannot be reversed by
// guessing, and an unsalted hash can be looked up by index.
func Hash(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// Equal reports whether two hashes are equal, in time that depends only on
// their lengths (crypto/subtle).
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Mask returns what may be shown of a token after its creation: the prefix
// and the first 4 body characters, e.g. "rmp_AbCd". That is enough to tell
// one's tokens apart and leaves about 155 bits unknown. If tok does not
// have a Rampart token's prefix and length, Mask returns "" rather than any
// part of it.
func Mask(tok string) string {
	if len(tok) != Len || !strings.HasPrefix(tok, Prefix) {
		return ""
	}
	return tok[:len(Prefix)+maskLen]
}
