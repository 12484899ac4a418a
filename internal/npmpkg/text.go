package npmpkg

import "unicode/utf8"

// Echo quotes an untrusted value for an error message, bounded in length
// and with control characters escaped.
func Echo(s string) string { return echo(s) }

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
