package tarball

import "github.com/rampart/rampart/internal/quote"

// echo, mib and echoAny keep this package's messages short to write; quote holds
// the rules so every ecosystem renders untrusted values alike.
func echo(s string) string { return quote.Untrusted(s) }
func mib(n int64) string   { return quote.MiB(n) }
func echoAny(v any) string { return quote.JSON(v) }
