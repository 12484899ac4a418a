package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/web/chart"
	"github.com/rampart/rampart/internal/web/markdown"
	"github.com/rampart/rampart/internal/web/webkit"
)

// The cookies' plain names. When the public URL is https, browsers get
// and send them with the __Host- prefix; handlers always use these names
// (see Handler.ownCookies).
const (
	// sessionCookie holds a browser's session; the account service keeps
	// only its hash.
	sessionCookie = "rampart_session"
	// pendingCookie holds a sign-in that passed the password and waits
	// for the second factor.
	pendingCookie = "rampart_pending"
	// deviceCookie names the browser for new-device notices: a random
	// value that lives long, kept only hashed on the server.
	deviceCookie = "rampart_device"
	// maxCookieLength bounds a session cookie value before it is hashed
	// and looked up; real ones are 26 characters.
	maxCookieLength = 128
	// maxFormBytes bounds a sign-in form.
	maxFormBytes = 16 << 10
	// pageSize is how many search results a page shows.
	pageSize = 20
	// maxFrom bounds how deep into search results one may page.
	maxFrom = limits.MaxSearchFrom
)

// ---- home and search ----

type homeBody struct {
	Recent []core.SearchHit
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	recent, err := h.reg.RecentFor(r.Context(), p, pageSize)
	if err != nil {
		return err
	}
	return h.render(w, r, p, http.StatusOK, "home", pageData{Body: homeBody{Recent: recent}})
}

type searchBody struct {
	Query      string
	Hits       []core.SearchHit
	From       int
	PrevURL    string // "" on the first page
	NextURL    string // "" on the last page
	FirstIndex int    // 1-based number of the first hit shown
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > limits.MaxSearchTextBytes {
		return core.Errorf(core.KindInvalid, "the search text is %d bytes long, over the limit of %d; search for fewer or shorter words", len(q), limits.MaxSearchTextBytes)
	}
	from := 0
	if raw := r.URL.Query().Get("from"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > maxFrom {
			return core.Errorf(core.KindInvalid, "the page must be a whole number from 0 to %d, not %q", maxFrom, quote.TruncateUTF8(raw, limits.MaxEchoBytes))
		}
		from = n
	}
	body := searchBody{Query: q, From: from, FirstIndex: from + 1}
	if q != "" {
		hits, more, err := h.reg.SearchFor(r.Context(), p, q, pageSize, from)
		if err != nil {
			return err
		}
		body.Hits = hits
		if from > 0 {
			body.PrevURL = searchURL(q, max(from-pageSize, 0))
		}
		if more && from+pageSize <= maxFrom {
			body.NextURL = searchURL(q, from+pageSize)
		}
	}
	title := "Search"
	if q != "" {
		title = "Search: " + q
	}
	return h.render(w, r, p, http.StatusOK, "search", pageData{Title: title, Query: q, Body: body})
}

func searchURL(q string, from int) string {
	v := url.Values{"q": {q}}
	if from > 0 {
		v.Set("from", strconv.Itoa(from))
	}
	return pathSearch + "?" + v.Encode()
}

// ---- package page ----

type packageBody struct {
	Name        string
	Description string
	Latest      string // the version "latest" points at
	Deprecated  string // the latest version's deprecation message
	Install     string
	License     string
	Homepage    string // only http(s) URLs
	Repository  string // only http(s) URLs
	Keywords    []string
	Readme      template.HTML // goldmark's safe rendering of the README
	Versions    []versionRow
	// Policy is the provenance continuity policy, for maintainers only.
	Policy      *policyView
	Sections    []template.HTML // the page groups' parts (packagesections.go)
	Tags        []distTag
	Maintainers []string
	Downloads   int64
	Chart       template.HTML // downloads per week (internal/web/chart), "" when none
	Restricted  bool
	Critical    bool

	// KeyRequiredFrom: a critical package in its grace period, from when
	// it needs a security key or passkey.
	KeyRequiredFrom time.Time
}

type distTag struct{ Tag, Version string }

// npmNoReadme is what npm puts in a packument's readme when the package
// has none; the page says there is none instead of showing it.
const npmNoReadme = "ERROR: No README data found!"

func readmeSource(s string) string {
	if strings.TrimSpace(s) == npmNoReadme {
		return ""
	}
	return s
}

func (h *Handler) pkg(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	name := r.PathValue("name")
	if name == "" || len(name) > limits.MaxNameLength {
		return core.Errorf(core.KindNotFound, "there is no such package")
	}
	pv, err := h.reg.View(r.Context(), p, name)
	if core.KindOf(err) == core.KindNotFound {
		if served, ferr := h.packageFallback(w, r, p, name); served || ferr != nil {
			return ferr
		}
	}
	if err != nil {
		return err
	}
	readme, err := markdown.Render(readmeSource(pv.Readme))
	if err != nil {
		return err
	}
	b := packageBody{
		Name:        pv.Package.Name,
		Description: pv.Package.Description,
		Latest:      pv.DistTags["latest"],
		Install:     "npm install " + pv.Package.Name,
		License:     licenseOf(pv.Latest["license"]),
		Homepage:    httpURL(stringOf(pv.Latest["homepage"])),
		Repository:  repositoryURL(pv.Latest["repository"]),
		Keywords:    strings.Fields(pv.Package.Keywords),
		Readme:      readme,
		Versions:    versionRows(pv.Versions),
		Downloads:   pv.Downloads,
		Chart:       chart.Weekly(pv.Daily, pv.Now, registry.ChartWeeks),
		Restricted:  pv.Package.Access == "restricted",
		Critical:    pv.Critical,
	}
	b.KeyRequiredFrom = pv.KeyRequiredFrom
	for _, v := range pv.Versions {
		if v.Version == b.Latest {
			b.Deprecated = v.Deprecated
		}
	}
	for tag, v := range pv.DistTags {
		b.Tags = append(b.Tags, distTag{Tag: tag, Version: v})
	}
	sort.Slice(b.Tags, func(i, j int) bool {
		if (b.Tags[i].Tag == "latest") != (b.Tags[j].Tag == "latest") {
			return b.Tags[i].Tag == "latest"
		}
		return b.Tags[i].Tag < b.Tags[j].Tag
	})
	// Names only: a core.User also holds the email and password hash,
	// which must never reach a template.
	for _, m := range pv.Maintainers {
		b.Maintainers = append(b.Maintainers, m.Name)
	}
	b.Policy = h.provenancePolicyView(r, p, pv.Package.Name, b.Maintainers)
	if b.Sections, err = h.packageSections(r, p, pv); err != nil {
		return err
	}
	return h.render(w, r, p, http.StatusOK, "package", pageData{Title: b.Name, Body: b})
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// licenseOf, repositoryURL and httpURL are webkit's, which the page
// groups share (a proxied package's page words them alike).
func licenseOf(v any) string     { return webkit.LicenseOf(v) }
func repositoryURL(v any) string { return webkit.RepositoryURL(v) }
func httpURL(s string) string    { return webkit.HTTPURL(s) }

// ---- user page ----

type userBody struct {
	Name     string
	Since    time.Time
	Packages []core.Package
}

func (h *Handler) user(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) error {
	if identity.ValidateUserName(name) != nil {
		return core.Errorf(core.KindNotFound, "there is no such user")
	}
	u, err := h.id.User(r.Context(), name)
	if err != nil {
		return err
	}
	pkgs, err := h.reg.UserPackagesFor(r.Context(), p, u.ID)
	if err != nil {
		return err
	}
	return h.render(w, r, p, http.StatusOK, "user", pageData{Title: "~" + u.Name, Body: userBody{Name: u.Name, Since: u.CreatedAt, Packages: pkgs}})
}

// fallback serves user pages, whose paths a pattern cannot match, and
// the not-found page.
func (h *Handler) fallback(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if isUserPath(r.URL.Path) {
		return h.user(w, r, p, strings.TrimPrefix(r.URL.Path, "/~"))
	}
	return core.Errorf(core.KindNotFound, "there is no page at this address")
}

// ---- signing in and out ----

type loginBody struct {
	Name  string
	Next  string
	Error string
	// TOTP and Keys are the second factors a pending sign-in may use.
	TOTP, Keys bool
	// SSO are the other ways to sign in (signin.go: ssopages' identity
	// providers).
	SSO []webkit.SignInOption
	// PasswordHidden hides the password form ([access] password_login =
	// false; ?password=1 shows it, the administrators' break-glass).
	PasswordHidden bool
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	next := webkit.SafeNext(r.URL.Query().Get("next"))
	return h.render(w, r, p, http.StatusOK, "login", pageData{Title: "Sign in", Next: next, Body: loginBody{Next: next, SSO: h.ssoButtons(),
		PasswordHidden: h.authn.PasswordsAdminsOnly() && r.URL.Query().Get("password") == ""}})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return core.Errorf(core.KindInvalid, "the sign-in form could not be read; reload the page and try again")
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	next := webkit.SafeNext(r.PostForm.Get("next"))
	u, err := h.authenticate(r, name, r.PostForm.Get("password"))
	if err != nil {
		status := h.status(w, r, err)
		body := loginBody{Name: quote.TruncateUTF8(name, limits.MaxNameLength), Next: next, Error: webkit.Message(err), SSO: h.ssoButtons()}
		return h.render(w, r, p, status, "login", pageData{Title: "Sign in", Next: next, Body: body})
	}
	return h.continueSignIn(w, r, p, u, next)
}

// continueSignIn signs u in once they proved who they are (a password,
// or an identity provider): with a second factor next if the account has
// one, else at once.
func (h *Handler) continueSignIn(w http.ResponseWriter, r *http.Request, p authz.Principal, u *core.User, next string) error {
	value, pending, err := h.authn.BeginWebSignIn(r.Context(), u)
	if err != nil {
		return err
	}
	if pending {
		// The password held; the second factor is next. The pending
		// cookie signs nobody in.
		h.setCookie(w, pendingCookie, value, int(authn.PendingSignInLifetime/time.Second))
		totp, keys, err := h.authn.PendingFactors(r.Context(), value)
		if err != nil {
			return err
		}
		return h.render(w, r, p, http.StatusOK, "login_otp", pageData{Title: "Two-factor authentication", Next: next, Body: loginBody{Next: next, TOTP: totp, Keys: keys}})
	}
	return h.finishSignIn(w, r, u, value, next)
}

// finishSignIn sets the new session cookie and goes on to next.
func (h *Handler) finishSignIn(w http.ResponseWriter, r *http.Request, u *core.User, value, next string) error {
	// A new session every time (no fixation); the old one, if any, ends.
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && len(c.Value) <= maxCookieLength {
		if err := h.authn.EndWebSession(r.Context(), c.Value); err != nil {
			h.log.WarnContext(r.Context(), "ending the previous web session", "err", err)
		}
	}
	h.setSessionCookie(w, value, int(authn.WebSessionLifetime/time.Second))
	h.noteDevice(w, r, u)
	if u.PasswordCompromised {
		next = pathPassword // the only thing it may do until changed
	}
	webkit.Redirect(w, next)
	return nil
}

// noteDevice records a completed sign-in for new-device notices (and the
// cancellation of an assisted recovery), and sets the device cookie.
func (h *Handler) noteDevice(w http.ResponseWriter, r *http.Request, u *core.User) {
	var device string
	if c, err := r.Cookie(deviceCookie); err == nil && len(c.Value) <= maxCookieLength {
		device = c.Value
	}
	device = h.authn.NoteWebSignIn(r.Context(), u, device, r.UserAgent(), clientaddr.Of(r))
	h.setCookie(w, deviceCookie, device, int(authn.DeviceCookieLifetime/time.Second))
}

func (h *Handler) authenticate(r *http.Request, name, password string) (*core.User, error) {
	if name == "" || password == "" {
		return nil, core.Errorf(core.KindInvalid, "enter your user name and password")
	}
	return h.authn.Login(r.Context(), name, password, clientaddr.Of(r))
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && len(c.Value) <= maxCookieLength {
		if err := h.authn.EndWebSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	h.setSessionCookie(w, "", -1)
	webkit.Redirect(w, pathHome)
	return nil
}

// setSessionCookie sets (maxAge > 0) or clears (maxAge < 0) the session.
// HttpOnly keeps it from script, SameSite=Lax from other sites' forms.
func (h *Handler) setSessionCookie(w http.ResponseWriter, value string, maxAge int) {
	h.setCookie(w, sessionCookie, value, maxAge)
}

// setCookie sets one of ownCookieNames, under the __Host- prefix when the
// public URL is https (see Handler.cookiePrefix and ownCookies).
func (h *Handler) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name:     h.cookiePrefix + name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   h.secureCookie,
		SameSite: http.SameSiteLaxMode,
	})
}

// ---- policies ----

type policyBody struct {
	HTML template.HTML
	// Security marks the security policy, which ends with the operator's
	// contacts (Contacts; none configured when empty).
	Security bool
	Contacts []securityContact
}

// securityContact is one configured contact as the page links it.
// Href is a template.URL: tel: links are not in html/template's safe list,
// and every contact was validated at configuration load (mailto:, https:
// or tel:, no control characters).
type securityContact struct {
	Href template.URL
	Text string
}

func (h *Handler) policy(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	name := r.PathValue("name")
	src, ok := h.cfg.Policies[name]
	if !ok {
		return core.Errorf(core.KindNotFound, "there is no policy named %q", quote.TruncateUTF8(name, 64))
	}
	html, err := markdown.Render(src)
	if err != nil {
		return err
	}
	title := strings.ToUpper(name[:1]) + name[1:] + " policy"
	body := policyBody{HTML: html, Security: name == "security"}
	if body.Security {
		for _, c := range h.cfg.SecurityContacts {
			body.Contacts = append(body.Contacts, securityContact{Href: template.URL(c), Text: strings.TrimPrefix(c, "mailto:")})
		}
	}
	return h.render(w, r, p, http.StatusOK, "policy", pageData{Title: title, Body: body})
}
