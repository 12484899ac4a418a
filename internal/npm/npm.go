package npm

import (
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	npmfmt "github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/httperr"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/npmaudit"
	"github.com/rampart/rampart/internal/org"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/reqinfo"
	"github.com/rampart/rampart/internal/secondfactor"
	"github.com/rampart/rampart/internal/signing"
	"github.com/rampart/rampart/internal/stage"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/trust"
	"github.com/rampart/rampart/internal/upstream"
)

// Accounts are the account services the npm front-end calls.
type Accounts struct {
	Identity *identity.Service
	Authn    *authn.Service
	Factors  *secondfactor.Service
	Orgs     *org.Service
}

// Handler serves the npm registry protocol.
type Handler struct {
	reg     *registry.Service
	up      *upstream.Service // names served from upstream registries; nil: none
	id      *identity.Service
	authn   *authn.Service
	factors *secondfactor.Service
	orgs    *org.Service
	limits  limits.Limits
	log     *slog.Logger
	signing *signing.Service // nil: no registry signatures (signing.go)
	trust   *trust.Service   // trusted publishing (trust.go); nil: not available
	// stage serves `npm stage` (stage.go); nil until WithStaging.
	stage *stage.Service
	// audit answers npm's audit (advisories.go); nil: nothing known.
	audit *npmaudit.Auditor
}

// otpHeader carries the one-time password npm sends (--otp, or after an
// OTP prompt): npm-otp, written as net/http keeps it, so that looking it
// up on every request does not first build its canonical form.
const otpHeader = "Npm-Otp"

// New builds the handler.
func New(reg *registry.Service, accts Accounts, lim limits.Limits, log *slog.Logger) *Handler {
	return &Handler{reg: reg, id: accts.Identity, authn: accts.Authn, factors: accts.Factors, orgs: accts.Orgs, limits: lim, log: log}
}

// ServeHTTP routes an npm request through the endpoint table (route.go),
// authenticates it under the endpoint's rule for dead tokens, and serves
// it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ep, a, err := route(r.Method, r.URL.EscapedPath())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reqinfo.SetRoute(w, ep.pattern) // the access log's and metrics' label, with the method
	p, err := h.principal(r)
	if p.User != nil {
		reqinfo.SetUser(w, p.User.Name)
	}
	if err != nil {
		switch ep.badToken {
		case tokenIgnored:
			// Signing in: served as anonymous.
		case tokenLogout:
			if core.KindOf(err) != core.KindUnauthenticated {
				h.fail(w, r, err)
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"ok": true})
			return
		default:
			h.fail(w, r, err)
			return
		}
	}
	// The one-time password, if any, goes along unchecked: it is spent
	// only when authz decides the action needs it, by the service's
	// authz.Settle before its write transaction.
	p = h.factors.WithOTP(r.Context(), p, r.Header.Get(otpHeader))
	if err := ep.serve(h, &call{w: w, r: r, p: p, args: a}); err != nil && !h.webOTP(w, r, p, err) {
		h.fail(w, r, err)
	}
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = core.Errorf(core.KindTooLarge, "request body is larger than the limit of %d MiB", mbe.Limit/limits.MiB)
	}
	httperr.WriteJSON(w, r, h.log, authz.Render(err, npmfmt.Hints{}))
}

// principal authenticates the request's bearer token, if any. A token that
// does not hold is an error even on reads, so a user learns at once that
// their configured token is dead.
func (h *Handler) principal(r *http.Request) (authz.Principal, error) {
	addr := clientaddr.Of(r)
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return authz.Principal{Addr: addr}, nil
	}
	scheme, value, _ := strings.Cut(auth, " ")
	switch strings.ToLower(scheme) {
	case "bearer":
		return h.authn.Authenticate(r.Context(), strings.TrimSpace(value), addr)
	case "basic":
		return authz.Principal{Addr: addr}, core.Errorf(core.KindUnauthenticated, "this registry does not accept passwords on every request; run `npm login` to get a token")
	}
	return authz.Principal{Addr: addr}, core.Errorf(core.KindUnauthenticated, "unsupported Authorization scheme %q; run `npm login`", scheme)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// readJSON decodes a bounded JSON body into v.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if err := tooLargeDeclared(r, limits.MaxJSONBodyBytes); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limits.MaxJSONBodyBytes))
	if err != nil {
		return err
	}
	return decodeJSON(body, v)
}

func decodeJSON(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return core.Errorf(core.KindInvalid, "malformed JSON at byte %d: %v", se.Offset, se)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "the document"
			}
			return core.Errorf(core.KindInvalid, "malformed request: %s must not be a JSON %s", field, te.Value)
		}
		return core.Errorf(core.KindInvalid, "malformed JSON request body")
	}
	return nil
}

// methodNotAllowed ends the method switches of tokens and webLogin. The
// endpoint table (route.go) lets only the methods they serve reach them,
// so a client never sees it: a wrong method is answered 405 there.
func methodNotAllowed(r *http.Request) error {
	return core.Errorf(core.KindNotFound, "%s is not supported on %s", r.Method, r.URL.Path)
}

// ---- package paths ----

// unpublishPackage is `npm unpublish pkg --force`: the whole package, from
// revision rev.
func (h *Handler) unpublishPackage(w http.ResponseWriter, r *http.Request, p authz.Principal, name, rev string) error {
	if err := h.reg.UnpublishPackageAt(r.Context(), p, name, rev); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func wantsAbbreviated(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/vnd.npm.install-v1+json") && r.URL.Query().Get("write") != "true"
}

func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

// getPackument serves a precomputed document: no assembly per request,
// an ETag for revalidation, and gzip bytes compressed once at write time.
func (h *Handler) getPackument(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) error {
	form, ctype := "full", "application/json"
	if wantsAbbreviated(r) {
		form, ctype = "corgi", "application/vnd.npm.install-v1+json"
	}
	gz := acceptsGzip(r)
	inm := r.Header.Get("If-None-Match")
	part := store.DocMeta // a revalidation needs only the ETag
	if inm == "" {
		part = docPart(form, gz)
	}
	doc, err := h.reg.Document(r.Context(), p, name, part)
	if err != nil {
		if u := h.proxiedBy(r.Context(), name, err); u != nil {
			return h.upstreamPackument(w, r, u, name, p.Addr)
		}
		return err
	}
	etag := `W/"` + doc.ETag + "-" + form + `"`
	// The header values are assigned, not Set: the same for every
	// response (revalidate.go), and the 304 that most of these requests
	// end in is the cheapest answer there is, so every allocation shows.
	hdr := w.Header()
	hdr["Etag"] = []string{etag}
	hdr["Vary"] = varyPackument
	if doc.Restricted {
		hdr["Cache-Control"] = cachePrivate
	} else {
		// Revalidate every time: a new publish is visible at once, and an
		// unchanged document costs a 304.
		hdr["Cache-Control"] = cachePublic
	}
	if etagMatches(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if part == store.DocMeta {
		// The client's copy is stale: read the body after all.
		if doc, err = h.reg.Document(r.Context(), p, name, docPart(form, gz)); err != nil {
			return err
		}
		hdr.Set("ETag", `W/"`+doc.ETag+"-"+form+`"`)
	}
	body := *docPart(form, gz).In(doc)
	hdr.Set("Content-Type", ctype)
	if gz {
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	return nil
}

// docPart is the stored form a response sends.
func docPart(form string, gz bool) store.DocPart {
	switch {
	case form == "full" && gz:
		return store.DocFullGz
	case form == "full":
		return store.DocFull
	case gz:
		return store.DocAbbrevGz
	default:
		return store.DocAbbrev
	}
}

func (h *Handler) getTarball(w http.ResponseWriter, r *http.Request, p authz.Principal, name, file string) error {
	tb, err := h.reg.OpenTarball(r.Context(), p, name, file)
	if err != nil {
		if u := h.proxiedBy(r.Context(), name, err); u != nil {
			return h.upstreamTarball(w, r, u, name, file, p.Addr)
		}
		return err
	}
	defer tb.Close()
	hdr := w.Header()
	hdr.Set("Content-Type", "application/octet-stream")
	// A name@version's bytes never change, so caches may keep them forever.
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	hdr.Set("ETag", `"`+tb.Integrity+`"`)
	cw := &completeWriter{ResponseWriter: w}
	http.ServeContent(cw, r, file, tb.Modified, tb.ReadSeekCloser)
	h.countIfComplete(r, cw, tb, p.Addr)
	return nil
}

// putPackage handles the three meanings of PUT /<pkg>: a publish (the body
// has _attachments), a deprecation (versions without attachments), or a
// star (users only), which Rampart does not keep.
//
// The registry admits the request before a byte of the body is read
// (size, authorization, the account's upload slots), and the body must
// arrive at limits.min_bytes_per_second: see publish.Upload.
func (h *Handler) putPackage(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) error {
	if err := h.mayShadow(r.Context(), name); err != nil {
		return err
	}
	up, err := h.reg.BeginUpload(r.Context(), p, name, r.ContentLength)
	if err != nil {
		return err
	}
	defer up.Close()
	spool, err := up.Scratch()
	if err != nil {
		return err
	}
	doc, err := h.readUpload(w, r, spool)
	if err != nil {
		return err
	}
	switch {
	case doc.IsPublish():
		// npm's format makes the neutral publish of what was read (inside
		// the registry's processing slot: it inspects the tarball), and the
		// registry's pipeline takes it from there.
		pub, err := up.Publish(r.Context(), func() (*ecosystem.Publish, error) {
			return npmfmt.ParsedUpload(doc, name, h.limits, spool)
		})
		if err != nil {
			return err
		}
		if pub.Notice != "" {
			w.Header().Set("npm-notice", pub.Notice)
		}
		if pub.StageID != "" {
			// The package's policy staged it (npm prints the success):
			// say so, and how to release it.
			w.Header().Set("npm-notice", stagedNotice(pub.Name, pub.Version, pub.StageID, pub.StageReason))
		}
		return writeJSON(w, http.StatusCreated, map[string]any{"ok": true, "id": pub.Name, "version": pub.Version})
	case doc.HasMember("versions"):
		// `npm deprecate`: the whole document as read, with "deprecated"
		// changed, and the revision it was read at in "_rev".
		sent, err := doc.Members()
		if err != nil {
			return err
		}
		rev, _ := sent["_rev"].(string)
		if err := h.reg.UpdateMetadata(r.Context(), p, name, rev, sent); err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	case doc.HasMember("users"):
		return core.Errorf(core.KindInvalid, "this registry does not keep stars")
	}
	return core.Errorf(core.KindInvalid, "the document has neither _attachments (publish) nor versions (deprecate); nothing to do")
}

// answerGrace is how long after the body's deadline the answer to an
// upload may still be written: time for the pipeline (unpacking,
// hashing, storing) of the largest package on a busy server.
const answerGrace = 5 * time.Minute

// readUpload receives the body of a PUT /<pkg> within the publish size
// limit and the time limit, and says which was crossed. The time limit
// counts from now, when the request has been admitted; the server's own
// read timeouts, if any, are replaced for this body.
func (h *Handler) readUpload(w http.ResponseWriter, r *http.Request, spool *os.File) (*npmfmt.Document, error) {
	rc := http.NewResponseController(w)
	// The same rate as every other body (limits.min_bytes_per_second after
	// limits.body_grace_seconds), counted from admission rather than from
	// arrival: waiting for an upload slot is not the client's time.
	size := r.ContentLength
	if size < 0 || size > h.limits.PublishBodyBytes() {
		size = h.limits.PublishBodyBytes()
	}
	timeout := h.limits.BodyTimeout(size)
	deadline := time.Now().Add(timeout)
	if err := deadlineErr(rc.SetReadDeadline(deadline)); err != nil {
		return nil, err
	}
	// The answer comes after the body and the pipeline: a server-wide
	// write timeout shorter than a slow legitimate upload must not lose it.
	if err := deadlineErr(rc.SetWriteDeadline(deadline.Add(answerGrace))); err != nil {
		return nil, err
	}
	doc, err := npmfmt.ReadUpload(http.MaxBytesReader(w, r.Body, h.limits.PublishBodyBytes()), h.limits, spool)
	// The rest of the request (the pipeline, the answer) is not the
	// client's to slow down.
	_ = rc.SetReadDeadline(time.Time{})
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return doc, nil
	case errors.As(err, &mbe):
		return nil, npmfmt.RequestTooLarge(h.limits)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, core.Errorf(core.KindInvalid,
			"the upload did not arrive within %s, this registry's limit for receiving one of its size (limits.min_bytes_per_second after limits.body_grace_seconds); publish from a faster connection, or ask the registry's administrators to raise the limit",
			timeout.Round(time.Second))
	}
	return nil, err
}

// deadlineErr passes on a failure to set a connection deadline. Only a
// writer that is not a connection (a test recorder) has none to set.
func deadlineErr(err error) error {
	if err == nil || errors.Is(err, http.ErrNotSupported) {
		return nil
	}
	return fmt.Errorf("setting the upload's deadlines: %w", err)
}

// putRevision handles PUT /<pkg>/-rev/<rev>: `npm unpublish pkg@ver`
// sends the document it read minus the version, `npm owner add/rm` only
// the new maintainers. The registry applies what the document changes
// against the package at rev, and refuses a stale rev.
func (h *Handler) putRevision(w http.ResponseWriter, r *http.Request, p authz.Principal, name, rev string) error {
	// The body is a whole packument, larger than other JSON requests and
	// costly to decode: it is admitted like an upload, before a byte is
	// read (someone who may change the package, within the account's
	// upload slots), so that strangers cannot make the server decode
	// large bodies and no one holds anyone else's slot.
	up, err := h.reg.BeginMetadataUpdate(r.Context(), p, name, r.ContentLength)
	if err != nil {
		return err
	}
	defer up.Close()
	// As for a publish, the body's time counts from admission: waiting
	// for one of the account's upload slots is not the client's time.
	size := r.ContentLength
	if size < 0 || size > h.limits.DocumentBytes {
		size = h.limits.DocumentBytes
	}
	if err := deadlineErr(http.NewResponseController(w).SetReadDeadline(time.Now().Add(h.limits.BodyTimeout(size)))); err != nil {
		return err
	}
	// Bounded by the largest document the registry serves.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.limits.DocumentBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return registry.MetadataTooLarge(h.limits)
	}
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := decodeJSON(body, &doc); err != nil {
		return err
	}
	if err := h.reg.UpdateMetadata(r.Context(), p, name, rev, doc); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// deleteTarball is the last step of `npm unpublish pkg@version`. The
// version is normally gone already (the PUT before it removed it), and
// then there is nothing to do whatever rev says; if it is still live,
// this unpublishes it under the same policy, from revision rev.
func (h *Handler) deleteTarball(w http.ResponseWriter, r *http.Request, p authz.Principal, name, file, rev string) error {
	bare := name[strings.LastIndex(name, "/")+1:]
	version := strings.TrimSuffix(strings.TrimPrefix(file, bare+"-"), ".tgz")
	view, err := h.reg.View(r.Context(), p, name)
	if err != nil {
		if core.KindOf(err) == core.KindNotFound {
			return writeJSON(w, http.StatusOK, map[string]any{"ok": true})
		}
		return err
	}
	for _, v := range view.Versions {
		if v.Version == version {
			if err := h.reg.UnpublishVersionsAt(r.Context(), p, name, rev, []string{version}); err != nil {
				return err
			}
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// ---- "/-/" paths ----

func (h *Handler) ping(w http.ResponseWriter) error {
	return writeJSON(w, http.StatusOK, map[string]any{})
}

func (h *Handler) whoami(w http.ResponseWriter, p authz.Principal) error {
	if p.Anonymous() {
		return core.Errorf(core.KindUnauthenticated, "you are not logged in: run `npm login`")
	}
	return writeJSON(w, http.StatusOK, map[string]string{"username": p.User.Name})
}

// logout is `npm logout`: it revokes the token it names.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, p authz.Principal, token string) error {
	if p.Anonymous() {
		return core.Errorf(core.KindUnauthenticated, "you are not logged in")
	}
	if err := h.authn.Logout(r.Context(), p, token); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// couchLogin is the legacy `npm login` / `npm adduser`: log in when the
// account exists, create it when it does not and an email came along.
func (h *Handler) couchLogin(w http.ResponseWriter, r *http.Request, urlName string) error {
	var body struct {
		Name     string `json:"name"`
		Password string `json:"password"`
		Email    string `json:"email"`
	}
	if err := readJSON(w, r, &body); err != nil {
		return err
	}
	if body.Name == "" {
		body.Name = urlName
	}
	if body.Name != urlName {
		return core.Errorf(core.KindInvalid, "the user name in the URL (%s) and in the body (%s) differ", urlName, body.Name)
	}
	ctx := r.Context()
	addr := clientaddr.Of(r)
	var u *core.User
	var err error
	_, lookupErr := h.id.User(ctx, body.Name)
	if body.Email != "" && core.KindOf(lookupErr) == core.KindNotFound {
		// npm adduser for a new name: sign up. (Asking Login first would
		// count a failed sign-in against the address for every sign-up.)
		u, err = h.id.Register(ctx, identity.NewUser{Name: body.Name, Email: body.Email, Password: body.Password}, addr)
	} else {
		u, err = h.authn.Login(ctx, body.Name, body.Password, addr)
	}
	if err != nil {
		return err
	}
	tok, err := h.authn.IssueSessionTokenOTP(ctx, u, addr, r.Header.Get(otpHeader))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"ok": true, "id": "org.couchdb.user:" + u.Name, "rev": "1-" + tok.Token.Key[:16], "token": tok.Value})
}

func (h *Handler) getUser(w http.ResponseWriter, ctx context.Context, p authz.Principal, name string) error {
	u, err := h.id.User(ctx, name)
	if err != nil {
		return err
	}
	// Names are public; an address is the account holder's own (a target
	// for phishing and for guessing at its reset mail). Only the user
	// sees it: reading another account's address is administrative
	// power, which no token carries (authz.adminPolicy), so an
	// administrator's npm token, stolen or not, must not list them all.
	// `npm owner add` reads this document but needs only the name: owners
	// are matched by name.
	out := map[string]any{"name": u.Name}
	if !p.Anonymous() && (p.User.ID == u.ID || authz.Authorize(p, authz.AdminUsers, authz.Resource{}) == nil) {
		out["email"] = u.Email
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) userPackages(w http.ResponseWriter, ctx context.Context, p authz.Principal, name string) error {
	u, err := h.id.User(ctx, name)
	if err != nil {
		return err
	}
	pkgs, err := h.reg.UserPackagesFor(ctx, p, u.ID)
	if err != nil {
		return err
	}
	out := map[string]string{}
	for _, p := range pkgs {
		out[p.Name] = "write"
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	q := r.URL.Query()
	text := q.Get("text")
	if len(text) > limits.MaxSearchTextBytes {
		return core.Errorf(core.KindInvalid, "the search text is %d bytes long, over this registry's limit of %d; search for fewer or shorter words", len(text), limits.MaxSearchTextBytes)
	}
	size, err := searchNumber(q.Get("size"), "size", 20, 1, limits.MaxSearchSize)
	if err != nil {
		return err
	}
	from, err := searchNumber(q.Get("from"), "from", 0, 0, limits.MaxSearchFrom)
	if err != nil {
		return err
	}
	hits, more, err := h.reg.SearchFor(r.Context(), p, text, size, from)
	if err != nil {
		return err
	}
	total := from + len(hits)
	if more {
		total++ // at least one more page
	}
	objects := make([]map[string]any, 0, len(hits))
	for _, hit := range hits {
		ms := make([]map[string]string, 0, len(hit.Maintainers))
		for _, m := range hit.Maintainers {
			ms = append(ms, map[string]string{"username": m})
		}
		pkg := map[string]any{
			"name": hit.Name, "version": hit.Version, "description": hit.Description,
			"keywords": strings.Fields(hit.Keywords), "date": hit.Date.Format(time.RFC3339),
			"maintainers": ms, "links": map[string]string{"npm": h.reg.PackageURL(hit.Name)},
		}
		if hit.Publisher != "" {
			pkg["publisher"] = map[string]string{"username": hit.Publisher}
		}
		objects = append(objects, map[string]any{"package": pkg, "score": map[string]any{"final": 1, "detail": map[string]any{"quality": 1, "popularity": 1, "maintenance": 1}}, "searchScore": 1})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"objects": objects, "total": total, "time": time.Now().UTC().Format(time.RFC3339)})
}

// searchNumber reads a whole-number search parameter between lo and hi;
// empty means def.
func searchNumber(raw, name string, def, lo, hi int) (int, error) {
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, core.Errorf(core.KindInvalid, "search parameter %s must be a whole number from %d to %d, not %s", name, lo, hi, quote.Untrusted(raw))
	}
	return n, nil
}

// auditBulk answers npm's audit request from the advisory database
// (advisories.go); {} when nothing is known, which keeps `npm audit` and
// the install summary working.
//
// The request is anonymous and gzip'd, so it is never read whole: the
// compressed body is bounded by MaxJSONBodyBytes, the inflated bytes by
// MaxAuditBytes as gzip yields them, and the packages and versions as the
// JSON streams in (npmfmt.ParseAuditRequest).
func (h *Handler) auditBulk(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	var body io.Reader = http.MaxBytesReader(w, r.Body, limits.MaxJSONBodyBytes)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			if errors.As(err, new(*core.Error)) || errors.As(err, new(*http.MaxBytesError)) {
				return err
			}
			return core.Errorf(core.KindInvalid, "the audit request says gzip but is not: %v", err)
		}
		defer zr.Close()
		body = zr
	}
	req, err := npmfmt.ParseAuditRequest(npmfmt.AuditLimitReader(body))
	if err != nil {
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, new(flate.CorruptInputError)) {
			return core.Errorf(core.KindInvalid, "the audit request's gzip stream is corrupt: %v", err)
		}
		return err
	}
	answer, err := h.audit.Answer(r.Context(), p, req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, answer)
}

// ---- /-/package/<pkg>/... ----

func (h *Handler) getDistTags(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) error {
	tags, err := h.reg.DistTags(r.Context(), p, name)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	return json.NewEncoder(w).Encode(tags)
}

func (h *Handler) setDistTag(w http.ResponseWriter, r *http.Request, p authz.Principal, name, tag string) error {
	var version string
	if err := readJSONSignedIn(w, r, p, &version); err != nil {
		return err
	}
	if err := h.reg.SetDistTag(r.Context(), p, name, tag, version); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (h *Handler) deleteDistTag(w http.ResponseWriter, r *http.Request, p authz.Principal, name, tag string) error {
	if err := h.reg.RemoveDistTag(r.Context(), p, name, tag); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (h *Handler) getVisibility(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) error {
	view, err := h.reg.View(r.Context(), p, name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]bool{"public": view.Package.Access == "public"})
}

func (h *Handler) postAccess(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) error {
	var body struct {
		Access      *string `json:"access"`
		RequiresTFA *bool   `json:"publish_requires_tfa"`
	}
	if err := readJSONSignedIn(w, r, p, &body); err != nil {
		return err
	}
	if body.RequiresTFA != nil {
		return core.Errorf(core.KindInvalid, "per-package two-factor settings are not available on this registry yet")
	}
	if body.Access == nil {
		return core.Errorf(core.KindInvalid, "nothing to change: send {\"access\": \"public\"} or {\"access\": \"restricted\"}")
	}
	if err := h.reg.SetAccess(r.Context(), p, name, *body.Access); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (h *Handler) getCollaborators(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) error {
	view, err := h.reg.View(r.Context(), p, name)
	if err != nil {
		return err
	}
	out := map[string]string{}
	// In an org's scope, the members its teams grant the package too.
	grants, err := h.orgs.Collaborators(r.Context(), view.Package.PackageRef)
	if err != nil {
		return err
	}
	for name, perm := range grants {
		out[name] = npmPerm(perm)
	}
	for _, u := range view.Maintainers {
		out[u.Name] = "write"
	}
	return writeJSON(w, http.StatusOK, out)
}
