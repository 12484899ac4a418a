// Package quote renders untrusted values and sizes inside error messages
// that reach users verbatim: bounded in length, control characters
// escaped, so a hostile name neither floods a response nor drives the
// user's terminal. Every ecosystem's parsers and the registry share it so
// that one name reads the same in every message.
package quote

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/limits"
)

// Untrusted quotes an untrusted value for an error message. It cuts the
// value at limits.MaxEchoBytes (on a rune boundary) so that a huge input
// does not become a huge response, and %q keeps control characters out of
// the user's terminal.
func Untrusted(s string) string {
	if len(s) <= limits.MaxEchoBytes {
		return strconv.Quote(s)
	}
	cut := limits.MaxEchoBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// MiB renders a byte count for a message about a limit.
func MiB(n int64) string {
	if n%limits.MiB == 0 {
		return fmt.Sprintf("%d MiB", n/limits.MiB)
	}
	return fmt.Sprintf("%.2f MiB (%d bytes)", float64(n)/limits.MiB, n)
}

// TruncateUTF8 cuts s to at most n bytes without splitting a character.
func TruncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// JSON quotes a decoded JSON value for a message: a string or number as
// Untrusted does, anything else by its kind only.
func JSON(v any) string {
	switch v := v.(type) {
	case nil:
		return "nothing"
	case string:
		return Untrusted(v)
	case json.Number:
		return Untrusted(v.String())
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}
