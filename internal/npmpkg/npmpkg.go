// Package npmpkg parses and validates what the npm CLI sends and stores:
// package names, versions, dist-tags, the publish document and the package
// tarball. It is pure: no database, no HTTP, no global state. Every parser
// here reads untrusted bytes, so each one takes its bounds from
// internal/limits and checks them while it reads.
//
// Errors are core errors: core.KindInvalid for input that breaks a rule and
// core.KindTooLarge for input over a limit. Their messages reach the user
// verbatim through the npm CLI, so each one says what was wrong and what to
// do about it.
package npmpkg

import (
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/limits"
)

// Integrity returns the Subresource Integrity string npm records for b in
// dist.integrity: "sha512-" and the standard base64 of its SHA-512.
func Integrity(b []byte) string {
	sum := sha512.Sum512(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

// Shasum returns the lower-case hex SHA-1 of b, as npm records it in
// dist.shasum. SHA-1 is kept only because old clients still read it.
func Shasum(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// echo quotes an untrusted value for an error message. It cuts the value
// at limits.MaxEchoBytes (on a rune boundary) so that a huge input does not
// become a huge response, and %q keeps control characters out of the
// user's terminal.
func echo(s string) string {
	if len(s) <= limits.MaxEchoBytes {
		return strconv.Quote(s)
	}
	cut := limits.MaxEchoBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// mib renders a byte count for a message about a limit.
func mib(n int64) string {
	if n%limits.MiB == 0 {
		return fmt.Sprintf("%d MiB", n/limits.MiB)
	}
	return fmt.Sprintf("%.2f MiB (%d bytes)", float64(n)/limits.MiB, n)
}
