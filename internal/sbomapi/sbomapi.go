// Package sbomapi serves each published version's own software bill of
// materials (docs/sbom.md):
//
//	GET /-/sbom/<name>/<version>[?format=cyclonedx|spdx]
//
// CycloneDX 1.6 JSON (the default, application/vnd.cyclonedx+json) or
// SPDX 2.3 JSON (application/spdx+json): the version itself (purl,
// integrity hashes, licence, supplier, its tarball), its whole dependency
// tree resolved against this registry now as npm would install it, one
// package per name@version with its edges (tree.go; proxied dependencies
// from the upstream proxy's cache, with their pins), and references to the version's
// registry attestation, build provenance and transparency-log entry where
// the registry has them. It translates only: internal/sbom writes the
// document (its Published form), the registry's read path decides who may
// read what (a package the caller may not read is the same 404 as a
// missing one) and supplies the documents.
//
// The answer is computed per request from the package documents the read
// path keeps in memory. Its ETag is a hash of every input (the version's
// document, each dependency's document and what it resolved to, the
// references, the format, the base URL and the build), so it changes
// exactly when the document would, and a matching If-None-Match is
// answered 304 before anything is rendered; the document's timestamp and
// serial number are derived from the same inputs, so equal inputs give
// equal bytes, and a small cache of rendered public documents keyed by
// the ETag (cache.go) saves rendering them again. Work is bounded: at most
// limits.MaxSBOMDependencies package documents, limits.MaxSBOMInputBytes
// of them, limits.MaxSBOMNodes packages listed; a tree cut at a bound
// says so in the document.
package sbomapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/httperr"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/reqinfo"
	"github.com/rampart/rampart/internal/sbom"
	"github.com/rampart/rampart/internal/store"
)

// Prefix is the endpoint's path prefix, for the server's mux.
const Prefix = "/-/sbom/"

// Content types of the two formats.
const (
	TypeCycloneDX = "application/vnd.cyclonedx+json"
	TypeSPDX      = "application/spdx+json"
)

// Documents is the registry's read path: a package's document as p may
// read it (registry.Service.Document), refusing a package p may not read
// as if it did not exist.
type Documents interface {
	Document(ctx context.Context, p authz.Principal, name string, part store.DocPart) (*core.Document, error)
}

// Authenticator turns a bearer token into a principal (authn).
type Authenticator func(ctx context.Context, token string, addr netip.Addr) (authz.Principal, error)

// Deps are what the handler reads through.
type Deps struct {
	Registry Documents
	Auth     Authenticator
	// BaseURL is the registry's public URL, ending in "/": references
	// are made under it.
	BaseURL string
	// Attested says whether the registry holds its own publish
	// attestation of name@version (nil: the registry does not sign).
	Attested func(ctx context.Context, p authz.Principal, name, version string) (bool, error)
	// Logged says whether the transparency log has an entry about
	// name@version (nil: the registry keeps no log).
	Logged func(ctx context.Context, name, version string) (bool, error)
	// PublishedBy is how name@version was published, as p may read it
	// (versionview); nil when not recorded. A trusted publisher is the
	// SBOM's supplier in place of the account (nil func: not asked).
	PublishedBy func(ctx context.Context, p authz.Principal, name, version string) (*store.PublishedBy, error)
	// Proxied reads the upstream proxy's cache for names not held here
	// (nil: no upstream is configured).
	Proxied Proxied
	// ToolVersion is the build, named in the document as its tool.
	ToolVersion string
	Log         *slog.Logger
}

// Handler serves the endpoint.
type Handler struct {
	d     Deps
	cache rendered
}

// New returns the endpoint's handler.
func New(d Deps) *Handler {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Handler{d: d}
}

// ServeHTTP answers GET and HEAD; errors are npm's JSON ({"error": …}).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqinfo.SetRoute(w, "/-/sbom/{name}/{version}") // the metrics' label, never the raw path
	if err := h.serve(w, r); err != nil {
		w.Header().Set("Cache-Control", "no-store")
		httperr.WriteJSON(w, r, h.d.Log, err)
	}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return core.WrongMethod([]string{http.MethodGet, http.MethodHead}, "%s takes GET or HEAD, not %s", quote.Untrusted(r.URL.Path), quote.Untrusted(r.Method))
	}
	name, version, err := parsePath(r.URL.EscapedPath())
	if err != nil {
		return err
	}
	format, ctype, err := parseFormat(r.URL.Query())
	if err != nil {
		return err
	}
	p, err := h.principal(r)
	if err != nil {
		return err
	}
	in, err := h.gather(r.Context(), p, name, version)
	if err != nil {
		return err
	}
	etag := `"` + in.tag(format, h.d.BaseURL, h.d.ToolVersion) + `"`
	hdr := w.Header()
	hdr.Set("ETag", etag)
	hdr.Set("Vary", "Authorization, Accept-Encoding")
	// What was read with a credential (an organisation's package is not
	// marked restricted, but only its members read it) or from a
	// restricted document stays out of shared caches.
	private := in.restricted || !p.Anonymous()
	if private {
		hdr.Set("Cache-Control", "private, no-cache")
	} else {
		// Revalidate every time, as a packument: the resolution of the
		// dependencies changes with each publish of one of them.
		hdr.Set("Cache-Control", "public, max-age=0, must-revalidate")
	}
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	body, ok := h.cache.get(etag)
	if !ok || private {
		var buf bytes.Buffer
		if err := sbom.Write(&buf, format, in.tree, in.options(h.d.ToolVersion)); err != nil {
			return err
		}
		if body = buf.Bytes(); !private {
			h.cache.put(etag, body)
		}
	}
	hdr.Set("Content-Type", ctype)
	hdr.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err = w.Write(body)
	return err
}

// notFound is the one answer for a package or version that is missing,
// unpublished, not servable or not readable by the caller: none of them
// may be told apart.
func notFound(name, version string) error {
	return core.Errorf(core.KindNotFound, "%s was not found on this registry, or you may not read it (for a restricted package, send the token of `npm login` as Authorization: Bearer)", quote.Untrusted(name+"@"+version))
}

// parsePath splits the escaped path after Prefix into a name (plain
// "@scope/name" or npm's "@scope%2fname") and a version.
func parsePath(escaped string) (name, version string, err error) {
	rest, _ := strings.CutPrefix(escaped, Prefix)
	usage := func() error {
		return core.Errorf(core.KindNotFound, "ask for /-/sbom/<name>/<version>, e.g. /-/sbom/left-pad/1.3.0 or /-/sbom/@scope/name/1.0.0, not %s", quote.Untrusted(escaped))
	}
	i := strings.LastIndexByte(rest, '/')
	if i <= 0 || i == len(rest)-1 {
		return "", "", usage()
	}
	if name, err = url.PathUnescape(rest[:i]); err != nil {
		return "", "", usage()
	}
	if version, err = url.PathUnescape(rest[i+1:]); err != nil {
		return "", "", usage()
	}
	slashes := strings.Count(name, "/")
	if slashes > 1 || (slashes == 1 && !strings.HasPrefix(name, "@")) || strings.HasSuffix(name, "/") {
		return "", "", usage()
	}
	if len(name) > limits.MaxNameLength || len(version) > limits.MaxVersionLength {
		return "", "", core.Errorf(core.KindInvalid, "the name is over %d characters or the version over %d: no package here has them", limits.MaxNameLength, limits.MaxVersionLength)
	}
	return name, version, nil
}

func parseFormat(q url.Values) (format, ctype string, err error) {
	switch f := q.Get("format"); f {
	case "", sbom.CycloneDX:
		return sbom.CycloneDX, TypeCycloneDX, nil
	case sbom.SPDX:
		return sbom.SPDX, TypeSPDX, nil
	default:
		return "", "", core.Errorf(core.KindInvalid, "format %s is not one this registry writes: use ?format=cyclonedx (CycloneDX 1.6 JSON, the default) or ?format=spdx (SPDX 2.3 JSON)", quote.Untrusted(f))
	}
}

// principal authenticates the bearer token; none is anonymous.
func (h *Handler) principal(r *http.Request) (authz.Principal, error) {
	addr := clientaddr.Of(r)
	scheme, value, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case scheme == "":
		return authz.Principal{Addr: addr}, nil
	case strings.EqualFold(scheme, "bearer"):
		return h.d.Auth(r.Context(), strings.TrimSpace(value), addr)
	}
	return authz.Principal{Addr: addr}, core.Errorf(core.KindUnauthenticated, "send your token as Authorization: Bearer <token> (the token of `npm login`, from ~/.npmrc)")
}

// etagMatches is If-None-Match's weak comparison against one strong tag.
func etagMatches(inm, etag string) bool {
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// digest is a hex SHA-256 of parts, each length-prefixed so no two
// lists of parts hash alike.
func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}
