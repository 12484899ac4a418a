// Package npm is the npm registry protocol front-end: it turns the npm
// CLI's requests (../shared/reference/npm-protocol.md) into calls on the
// registry and account services and their answers back into npm's JSON.
// It decides nothing itself: authorization lives in authz, policy in the
// services.
package npm

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rampart/rampart/internal/quote"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

// endpoints is the one list of what the npm front-end answers: every
// request npm 11 makes of a registry (npm-protocol.md §12), as a method on
// a path pattern. A path that matches a pattern but not its methods is
// answered 405 with the methods it takes; a path that matches no pattern,
// 404.
//
// A pattern is "/"-separated segments, matched against the request path's
// unescaped segments: a literal, a wildcard "{name}" (one non-empty
// segment), a literal prefix then a wildcard ("org.couchdb.user:{user}"),
// or "{pkg}", a package name: "name", or a scoped name as one segment
// ("@scope%2fname", any case of %2f) or two ("@scope/name"), since npm
// sends both. A GET is listed with its HEAD where HEAD is answered.
var endpoints = []endpoint{
	// Package documents, publishing and tarballs (§3, §5, §6.2-§6.4).
	{http.MethodGet, "/{pkg}", servePackument, tokenMustHold},
	{http.MethodHead, "/{pkg}", servePackument, tokenMustHold},
	{http.MethodPut, "/{pkg}", func(h *Handler, c *call) error { return h.putPackage(c.w, c.r, c.p, c.pkg) }, tokenMustHold},
	{http.MethodPut, "/{pkg}/-rev/{rev}", func(h *Handler, c *call) error { return h.putRevision(c.w, c.r, c.p, c.pkg, c.rev) }, tokenMustHold},
	{http.MethodDelete, "/{pkg}/-rev/{rev}", func(h *Handler, c *call) error { return h.unpublishPackage(c.w, c.r, c.p, c.pkg, c.rev) }, tokenMustHold},
	{http.MethodGet, "/{pkg}/-/{file}", serveTarball, tokenMustHold},
	{http.MethodHead, "/{pkg}/-/{file}", serveTarball, tokenMustHold},
	{http.MethodDelete, "/{pkg}/-/{file}/-rev/{rev}", func(h *Handler, c *call) error { return h.deleteTarball(c.w, c.r, c.p, c.pkg, c.file, c.rev) }, tokenMustHold},

	// Package administration (§6.1, §6.5).
	{http.MethodGet, "/-/package/{pkg}/dist-tags", func(h *Handler, c *call) error { return h.getDistTags(c.w, c.r, c.p, c.pkg) }, tokenMustHold},
	{http.MethodPut, "/-/package/{pkg}/dist-tags/{tag}", serveSetDistTag, tokenMustHold},
	{http.MethodPost, "/-/package/{pkg}/dist-tags/{tag}", serveSetDistTag, tokenMustHold},
	{http.MethodDelete, "/-/package/{pkg}/dist-tags/{tag}", func(h *Handler, c *call) error { return h.deleteDistTag(c.w, c.r, c.p, c.pkg, c.tag) }, tokenMustHold},
	{http.MethodGet, "/-/package/{pkg}/visibility", func(h *Handler, c *call) error { return h.getVisibility(c.w, c.r, c.p, c.pkg) }, tokenMustHold},
	{http.MethodPost, "/-/package/{pkg}/access", func(h *Handler, c *call) error { return h.postAccess(c.w, c.r, c.p, c.pkg) }, tokenMustHold},
	{http.MethodGet, "/-/package/{pkg}/collaborators", func(h *Handler, c *call) error { return h.getCollaborators(c.w, c.r, c.p, c.pkg) }, tokenMustHold},

	// Signing in and out, the account, tokens (§1, §2, §6.6, §6.7).
	{http.MethodGet, "/-/ping", servePing, tokenMustHold},
	{http.MethodHead, "/-/ping", servePing, tokenMustHold},
	{http.MethodGet, "/-/whoami", func(h *Handler, c *call) error { return h.whoami(c.w, c.p) }, tokenMustHold},
	{http.MethodPost, "/-/v1/login", func(h *Handler, c *call) error { return h.webLogin(c.w, c.r, []string{"v1", "login"}) }, tokenIgnored},
	{http.MethodGet, "/-/v1/done/{id}", serveWebLoginDone, tokenIgnored},
	{http.MethodHead, "/-/v1/done/{id}", serveWebLoginDone, tokenIgnored},
	{http.MethodPut, "/-/user/org.couchdb.user:{user}", func(h *Handler, c *call) error { return h.couchLogin(c.w, c.r, c.user) }, tokenIgnored},
	{http.MethodGet, "/-/user/org.couchdb.user:{user}", func(h *Handler, c *call) error { return h.getUser(c.w, c.r.Context(), c.p, c.user) }, tokenMustHold},
	{http.MethodDelete, "/-/user/token/{token}", func(h *Handler, c *call) error { return h.logout(c.w, c.r, c.p, c.token) }, tokenLogout},
	{http.MethodGet, "/-/user/{user}/package", func(h *Handler, c *call) error { return h.userPackages(c.w, c.r.Context(), c.p, c.user) }, tokenMustHold},
	{http.MethodGet, "/-/npm/v1/tokens", func(h *Handler, c *call) error { return h.tokens(c.w, c.r, c.p, nil) }, tokenMustHold},
	{http.MethodPost, "/-/npm/v1/tokens", func(h *Handler, c *call) error { return h.tokens(c.w, c.r, c.p, nil) }, tokenMustHold},
	{http.MethodDelete, "/-/npm/v1/tokens/token/{key}", func(h *Handler, c *call) error { return h.tokens(c.w, c.r, c.p, []string{"token", c.key}) }, tokenMustHold},
	{http.MethodGet, "/-/npm/v1/user", func(h *Handler, c *call) error { return h.getProfile(c.w, c.r, c.p) }, tokenMustHold},
	{http.MethodPost, "/-/npm/v1/user", func(h *Handler, c *call) error { return h.postProfile(c.w, c.r, c.p) }, tokenMustHold},

	// Trusted publishing (§4, §11.4): the exchange's bearer is a CI's ID
	// token, which the handler reads itself (tokenIgnored).
	{http.MethodPost, "/-/npm/v1/oidc/token/exchange/package/{pkg}", func(h *Handler, c *call) error { return h.oidcExchange(c.w, c.r, c.pkg) }, tokenIgnored},
	{http.MethodGet, "/-/package/{pkg}/trust", func(h *Handler, c *call) error { return h.getTrust(c.w, c.r, c.p, c.pkg) }, tokenMustHold},
	{http.MethodPost, "/-/package/{pkg}/trust", func(h *Handler, c *call) error { return h.postTrust(c.w, c.r, c.p, c.pkg) }, tokenMustHold},
	{http.MethodDelete, "/-/package/{pkg}/trust/{id}", func(h *Handler, c *call) error { return h.deleteTrust(c.w, c.r, c.p, c.pkg, c.id) }, tokenMustHold},
	{http.MethodGet, "/-/package/{pkg}/trusted-only", func(h *Handler, c *call) error { return h.trustedOnly(c.w, c.r, c.p, c.pkg) }, tokenMustHold},
	{http.MethodPut, "/-/package/{pkg}/trusted-only", func(h *Handler, c *call) error { return h.trustedOnly(c.w, c.r, c.p, c.pkg) }, tokenMustHold},
	// Staged publishing (§11.5; stage.go).
	{http.MethodPost, "/-/stage/package/{pkg}", func(h *Handler, c *call) error { return h.stagePublish(c.w, c.r, c.p, c.pkg) }, tokenMustHold},
	{http.MethodGet, "/-/stage", func(h *Handler, c *call) error { return h.stageList(c.w, c.r, c.p) }, tokenMustHold},
	{http.MethodGet, "/-/stage/{id}", func(h *Handler, c *call) error { return h.stageView(c.w, c.r, c.p, c.id) }, tokenMustHold},
	{http.MethodDelete, "/-/stage/{id}", func(h *Handler, c *call) error { return h.stageReject(c.w, c.r, c.p, c.id) }, tokenMustHold},
	{http.MethodGet, "/-/stage/{id}/tarball", func(h *Handler, c *call) error { return h.stageTarball(c.w, c.r, c.p, c.id) }, tokenMustHold},
	{http.MethodPost, "/-/stage/{id}/approve", func(h *Handler, c *call) error { return h.stageApprove(c.w, c.r, c.p, c.id) }, tokenMustHold},
	// Organisations, teams and their grants (§6.5, §6.8, §6.9; orgs.go).
	{http.MethodGet, "/-/org/{org}/package", serveOrgPackages, tokenMustHold},
	{http.MethodGet, "/-/org/{org}/user", serveOrgUsers, tokenMustHold},
	{http.MethodPut, "/-/org/{org}/user", serveOrgSetUser, tokenMustHold},
	{http.MethodDelete, "/-/org/{org}/user", serveOrgRemoveUser, tokenMustHold},
	{http.MethodGet, "/-/org/{org}/team", serveOrgTeams, tokenMustHold},
	{http.MethodPut, "/-/org/{org}/team", serveTeamCreate, tokenMustHold},
	{http.MethodDelete, "/-/team/{org}/{team}", serveTeamDestroy, tokenMustHold},
	{http.MethodGet, "/-/team/{org}/{team}/user", serveTeamUsers, tokenMustHold},
	{http.MethodPut, "/-/team/{org}/{team}/user", serveTeamUser(true), tokenMustHold},
	{http.MethodDelete, "/-/team/{org}/{team}/user", serveTeamUser(false), tokenMustHold},
	{http.MethodGet, "/-/team/{org}/{team}/package", serveTeamPackages, tokenMustHold},
	{http.MethodPut, "/-/team/{org}/{team}/package", serveTeamGrant, tokenMustHold},
	{http.MethodDelete, "/-/team/{org}/{team}/package", serveTeamRevoke, tokenMustHold},

	// Search and audit (§7, §9).
	{http.MethodGet, "/-/v1/search", func(h *Handler, c *call) error { return h.search(c.w, c.r, c.p) }, tokenMustHold},
	{http.MethodPost, "/-/npm/v1/security/advisories/bulk", func(h *Handler, c *call) error { return h.auditBulk(c.w, c.r, c.p) }, tokenMustHold},

	// Attestations: build provenance (§8.3); the pattern's package is
	// "<name>@<version>".
	{http.MethodGet, "/-/npm/v1/attestations/{pkg}", serveAttestations, tokenMustHold},

	// What npm 11 asks for that this registry does not have yet: each is
	// answered 404 with what is missing. 404 is also what npm expects of a
	// registry without them: `npm access list packages` falls back from
	// the organisation to the user, `npm audit signatures` reads "no keys".
	{http.MethodGet, "/-/npm/v1/keys", func(h *Handler, c *call) error { return h.getKeys(c.w, c.r) }, tokenMustHold},
	{http.MethodGet, "/-/_view/starredByUser", notYet("stars are"), tokenMustHold},
}

// The adapters used by more than one row.

func servePackument(h *Handler, c *call) error { return h.getPackument(c.w, c.r, c.p, c.pkg) }
func serveTarball(h *Handler, c *call) error   { return h.getTarball(c.w, c.r, c.p, c.pkg, c.file) }
func serveSetDistTag(h *Handler, c *call) error {
	return h.setDistTag(c.w, c.r, c.p, c.pkg, c.tag)
}
func servePing(h *Handler, c *call) error { return h.ping(c.w) }
func serveWebLoginDone(h *Handler, c *call) error {
	return h.webLogin(c.w, c.r, []string{"v1", "done", c.id})
}

// notYet answers an endpoint of a feature this registry does not have.
func notYet(what string) func(*Handler, *call) error {
	return func(*Handler, *call) error {
		return core.Errorf(core.KindNotFound, "%s not available on this registry yet", what)
	}
}

// endpoint is one row of the table.
type endpoint struct {
	method  string
	pattern string
	serve   func(h *Handler, c *call) error
	// badToken says what a bearer token that does not hold (expired,
	// revoked, malformed) does to the request.
	badToken tokenRule
}

// tokenRule is what a token that does not hold does to a request.
type tokenRule int

const (
	// tokenMustHold refuses the request, even a read, so that a user
	// learns at once that their configured token is dead.
	tokenMustHold tokenRule = iota
	// tokenIgnored serves the request anonymously: signing in (the web
	// login's start and poll, the legacy login PUT) checks a password or
	// a browser's approval, not the token npm sends along, and a dead one
	// must not block `npm login`.
	tokenIgnored
	// tokenLogout answers `npm logout` of a token that is already dead
	// with success: there is nothing left to revoke, and succeeding lets
	// npm forget it.
	tokenLogout
)

// args are the values a request path gives a pattern's wildcards.
type args struct {
	pkg, file, rev, tag, user, token, key, id, org, team string
}

// set stores a wildcard's value; it reports false for a name args has no
// field for, which compileRoutes turns into a panic at start-up.
func (a *args) set(name, value string) bool {
	switch name {
	case "pkg":
		a.pkg = value
	case "file":
		a.file = value
	case "rev":
		a.rev = value
	case "tag":
		a.tag = value
	case "user":
		a.user = value
	case "token":
		a.token = value
	case "key":
		a.key = value
	case "id":
		a.id = value
	case "org":
		a.org = value
	case "team":
		a.team = value
	default:
		return false
	}
	return true
}

// call is a request on its way to an endpoint: the response, the
// request, who sent it, and its path's wildcards.
type call struct {
	w http.ResponseWriter
	r *http.Request
	p authz.Principal
	args
}

// pathPattern is a compiled pattern with every endpoint that has it.
type pathPattern struct {
	pattern   string
	segs      []segment
	endpoints []*endpoint // in table order
}

// segment is one segment of a pattern: a literal, or a wildcard after an
// optional literal prefix.
type segment struct {
	lit  string // the literal, or the wildcard's prefix
	wild string // the wildcard's name; "" for a literal
}

// routes is the table compiled, one entry per distinct pattern.
var routes = compileRoutes(endpoints)

// compileRoutes groups the table by pattern. A malformed pattern or a
// repeated method on one pattern is a mistake in the table, found when
// the package is loaded (and by every test).
func compileRoutes(table []endpoint) []*pathPattern {
	var out []*pathPattern
	byPattern := map[string]*pathPattern{}
	for i := range table {
		e := &table[i]
		pp := byPattern[e.pattern]
		if pp == nil {
			pp = &pathPattern{pattern: e.pattern, segs: compilePattern(e.pattern)}
			byPattern[e.pattern] = pp
			out = append(out, pp)
		}
		for _, other := range pp.endpoints {
			if other.method == e.method {
				panic(fmt.Sprintf("npm routes: %s %s is listed twice", e.method, e.pattern))
			}
		}
		pp.endpoints = append(pp.endpoints, e)
	}
	return out
}

func compilePattern(pattern string) []segment {
	rest, ok := strings.CutPrefix(pattern, "/")
	if !ok || rest == "" {
		panic("npm routes: pattern " + pattern + " must start with / and name something")
	}
	var segs []segment
	for _, s := range strings.Split(rest, "/") {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			segs = append(segs, segment{lit: s})
			continue
		}
		name, ok := strings.CutSuffix(s[open+1:], "}")
		if !ok || name == "" || strings.ContainsAny(name, "{}") || (name == "pkg" && open > 0) || !new(args).set(name, "") {
			panic("npm routes: bad wildcard in " + pattern)
		}
		segs = append(segs, segment{lit: s[:open], wild: name})
	}
	return segs
}

// match reports whether segs (a parsed path) has the pattern, and the
// wildcards' values.
func (pp *pathPattern) match(segs []string) (args, bool) {
	var a args
	i := 0
	for _, s := range pp.segs {
		if i >= len(segs) {
			return args{}, false
		}
		switch {
		case s.wild == "pkg":
			name, n, ok := packageAt(segs[i:])
			if !ok {
				return args{}, false
			}
			a.pkg = name
			i += n
		case s.wild == "":
			if segs[i] != s.lit {
				return args{}, false
			}
			i++
		default:
			v, ok := strings.CutPrefix(segs[i], s.lit)
			if !ok || v == "" {
				return args{}, false
			}
			a.set(s.wild, v)
			i++
		}
	}
	return a, i == len(segs)
}

// packageAt reads a package name at the start of segs and says how many
// segments it took: "name", "@scope/name" in one segment (npm's
// "@scope%2fname", unescaped), or "@scope" and "name" in two (tarball
// URLs and unpublish). A name holds no other slash, and "-" starts the
// "/-/" paths, never a package.
func packageAt(segs []string) (name string, n int, ok bool) {
	first := segs[0]
	switch {
	case first == "-":
		return "", 0, false
	case !strings.HasPrefix(first, "@"):
		return first, 1, !strings.Contains(first, "/")
	case strings.Contains(first, "/"):
		scope, bare, _ := strings.Cut(first, "/")
		return first, 1, scope != "@" && bare != "" && !strings.Contains(bare, "/")
	case len(segs) < 2 || first == "@" || segs[1] == "" || strings.Contains(segs[1], "/"):
		return "", 0, false
	}
	return first + "/" + segs[1], 2, true
}

// methods lists the methods a pattern takes, for Allow.
func (pp *pathPattern) methods() []string {
	out := make([]string, 0, len(pp.endpoints))
	for _, e := range pp.endpoints {
		out = append(out, e.method)
	}
	return out
}

// route finds the endpoint of a request: 404 for a path no pattern has,
// 405 (with the methods the path takes) for a method it does not.
func route(method, escapedPath string) (*endpoint, args, error) {
	segs, err := parsePath(escapedPath)
	if err != nil {
		return nil, args{}, err
	}
	var allow []string
	for _, pp := range routes {
		a, ok := pp.match(segs)
		if !ok {
			continue
		}
		for _, e := range pp.endpoints {
			if e.method == method {
				return e, a, nil
			}
		}
		// Another pattern may match the same path with this method
		// (GET /-/user/token/package is a user's packages), so keep on.
		for _, m := range pp.methods() {
			if !slices.Contains(allow, m) {
				allow = append(allow, m)
			}
		}
	}
	if allow == nil {
		return nil, args{}, core.Errorf(core.KindNotFound, "no such endpoint: %s", quote.Untrusted(pathForMessage(escapedPath)))
	}
	return nil, args{}, core.WrongMethod(allow, "%s takes only %s, not %s",
		quote.Untrusted(pathForMessage(escapedPath)), strings.Join(allow, ", "), quote.Untrusted(method))
}

// pathForMessage is the request path as a user would recognise it,
// unescaped where it can be.
func pathForMessage(escaped string) string {
	if p, err := url.PathUnescape(escaped); err == nil {
		return p
	}
	return escaped
}

// parsePath splits an escaped request path into unescaped segments. It
// refuses a path that no endpoint can have and that path cleaners between
// npm and us would read differently: a malformed escape, an empty segment
// ("//", a trailing "/"), a "." or ".." segment, or a NUL, also when they
// hide behind an escaped slash ("@scope%2f.."). A ".." inside a segment
// is not refused: "a..b" is a valid package name.
func parsePath(escaped string) ([]string, error) {
	p := strings.TrimPrefix(escaped, "/")
	if p == "" {
		return nil, core.Errorf(core.KindNotFound, "no such endpoint: %s", quote.Untrusted(escaped))
	}
	segs := make([]string, 0, strings.Count(p, "/")+1)
	for s := range strings.SplitSeq(p, "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, notFoundPath(escaped, "it has a malformed %-escape")
		}
		if strings.IndexByte(u, 0) >= 0 {
			return nil, notFoundPath(escaped, "it holds a NUL byte")
		}
		for part := range strings.SplitSeq(u, "/") {
			switch part {
			case "":
				return nil, notFoundPath(escaped, "it has an empty segment")
			case ".", "..":
				return nil, notFoundPath(escaped, "it has a \".\" or \"..\" segment")
			}
		}
		segs = append(segs, u)
	}
	return segs, nil
}

func notFoundPath(escaped, why string) error {
	return core.Errorf(core.KindNotFound, "no such endpoint: %s (%s)", quote.Untrusted(escaped), why)
}
