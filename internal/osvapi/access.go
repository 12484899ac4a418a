package osvapi

import (
	"context"
	"net/http"
	"net/netip"
	"strings"

	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
)

// Access is how the API learns who asks and which packages they may
// read: an advisory about a private package (a MAL- record a moderator
// published about a restricted one, say) is answered only to a caller
// who may read that package, and to everyone else as an id that does
// not exist, or a package with nothing known. Its zero value hides
// nothing (a registry without private packages).
type Access struct {
	// Authenticate turns a bearer token into its principal.
	Authenticate func(ctx context.Context, token string, addr netip.Addr) (authz.Principal, error)
	// Readable is the registry's read decision on a package, as for its
	// document; found is false when the registry has no such package
	// (an advisory about a package held elsewhere is public knowledge).
	Readable advisory.Readable
}

// viewer is one request's caller and what it may see (advisory.Visibility).
type viewer struct {
	h   *Handler
	p   authz.Principal
	see *advisory.Visibility
}

// viewerOf authenticates the request's bearer token, if any.
func (h *Handler) viewerOf(r *http.Request) (*viewer, error) {
	v := &viewer{h: h, p: authz.Principal{Addr: clientaddr.Of(r)}}
	auth := r.Header.Get("Authorization")
	if auth == "" || h.access.Authenticate == nil {
		v.see = advisory.VisibilityFor(v.p, h.access.Readable)
		return v, nil
	}
	scheme, value, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "bearer") {
		return nil, core.Errorf(core.KindUnauthenticated, "send your token as Authorization: Bearer <token> (the token of `npm login`), or no Authorization header")
	}
	p, err := h.access.Authenticate(r.Context(), strings.TrimSpace(value), v.p.Addr)
	if err != nil {
		return nil, err
	}
	v.p, v.see = p, advisory.VisibilityFor(p, h.access.Readable)
	return v, nil
}

// filter keeps the records the caller may see.
func (v *viewer) filter(ctx context.Context, recs []advisory.Record) ([]advisory.Record, error) {
	out := recs[:0:0]
	for _, rec := range recs {
		ok, err := v.see.Sees(ctx, rec)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, rec)
		}
	}
	return out, nil
}

// query answers one query as the caller may see it: a private package
// the caller may not read has nothing known, as a package never heard of.
func (v *viewer) query(ctx context.Context, ref core.PackageRef, version string) ([]advisory.Record, error) {
	if h, err := v.see.Hides(ctx, ref); err != nil || h {
		return nil, err
	}
	recs, err := v.h.svc.Query(ctx, ref, version)
	if err != nil {
		return nil, err
	}
	return v.filter(ctx, recs)
}
