// Package npm is the npm ecosystem's wire format: it parses and validates
// what the npm CLI sends and stores: package names, versions, dist-tags,
// the publish document and (through package tarball) the package tarball. It is pure: no database, no HTTP, no global state. Every parser
// here reads untrusted bytes, so each one takes its bounds from
// internal/limits and checks them while it reads.
//
// Errors are core errors: core.KindInvalid for input that breaks a rule and
// core.KindTooLarge for input over a limit. Their messages reach the user
// verbatim through the npm CLI, so each one says what was wrong and what to
// do about it.
package npm

import (
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"

	"github.com/rampart/rampart/internal/quote"
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

// echo, mib and echoAny keep this package's messages short to write; quote
// holds the rules so every ecosystem renders untrusted values alike.
func echo(s string) string { return quote.Untrusted(s) }
func mib(n int64) string   { return quote.MiB(n) }
func echoAny(v any) string { return quote.JSON(v) }
