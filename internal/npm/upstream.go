package npm

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/upstream"
)

// UseUpstream serves the names this registry does not hold from the
// configured upstreams (nil: none).
func (h *Handler) UseUpstream(u *upstream.Service) *Handler {
	h.up = u
	return h
}

// proxiedBy returns the upstream to ask for name after the registry
// answered err, or nil: only for a name the registry does not know, that
// an upstream serves and that is not held here in any form (no
// dependency confusion: a local name never merges with an upstream's).
func (h *Handler) proxiedBy(ctx context.Context, name string, err error) *config.Upstream {
	if h.up == nil || core.KindOf(err) != core.KindNotFound {
		return nil
	}
	u := h.up.For(name)
	if u == nil {
		return nil
	}
	if held, herr := h.reg.HeldLocally(ctx, name); herr != nil || held {
		return nil
	}
	return u
}

// mayShadow refuses to publish a new name that an upstream serves: the
// operator must exclude it from the upstream first.
func (h *Handler) mayShadow(ctx context.Context, name string) error {
	if h.up == nil {
		return nil
	}
	u := h.up.For(name)
	if u == nil {
		return nil
	}
	held, err := h.reg.HeldLocally(ctx, name)
	if err != nil || held {
		return err
	}
	return upstream.ShadowRefusal(u, name)
}

// upstreamPackument serves a proxied packument in the form asked for.
// The fetches it causes upstream count against the client's address.
func (h *Handler) upstreamPackument(w http.ResponseWriter, r *http.Request, u *config.Upstream, name string, addr netip.Addr) error {
	doc, err := h.up.Packument(upstream.WithClient(r.Context(), addr), u, name)
	if err != nil {
		return err
	}
	body, ctype, form := doc.Full, "application/json", "full"
	if wantsAbbreviated(r) {
		body, ctype, form = doc.Abbrev, "application/vnd.npm.install-v1+json", "corgi"
	}
	etag := `W/"` + doc.ETag + "-" + form + `"`
	hdr := w.Header()
	if doc.Warning != "" {
		// The typosquatting flag, for clients and tools that read
		// headers (npm 11 no longer prints Warning headers; the
		// packument's "_rampart" field carries it too).
		hdr.Set("Rampart-Typosquat", doc.Warning)
	}
	hdr.Set("ETag", etag)
	hdr["Vary"] = varyPackument
	hdr["Cache-Control"] = cachePublic
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	hdr.Set("Content-Type", ctype)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	return nil
}

// upstreamTarball serves a proxied tarball, checked against its pin.
func (h *Handler) upstreamTarball(w http.ResponseWriter, r *http.Request, u *config.Upstream, name, file string, addr netip.Addr) error {
	tb, err := h.up.Tarball(upstream.WithClient(r.Context(), addr), u, name, file)
	if err != nil {
		return err
	}
	defer tb.Close()
	hdr := w.Header()
	hdr.Set("Content-Type", "application/octet-stream")
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	hdr.Set("ETag", `"`+tb.Integrity+`"`)
	// Counted by the rule of local downloads (countIfComplete).
	cw := &completeWriter{ResponseWriter: w}
	http.ServeContent(cw, r, file, tb.Modified, tb.ReadSeekCloser)
	if cw.complete(r, tb.Size) {
		h.up.CountDownload(u, name, tb.Version, addr)
	}
	return nil
}
