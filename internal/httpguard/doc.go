// Package httpguard is the HTTP server's generic hardening, in front of
// every front-end and independent of them all: a cap on the connections
// one source holds open at once (LimitPerSource, on the listener), read
// and write deadlines sized to each request and response
// (WithDeadlines), and serving under the public URL's path
// (WithPathPrefix: the prefix cut from requests, added to redirects and
// to the web UI's HTML links). internal/server wires them; they know no
// service, store or front-end.
package httpguard
