// Package tokenpages is the web UI's API tokens: the form that creates
// one, as `npm token create` does (what the token may do, for which
// packages, from where and for how long), the page that shows its value
// once, in the body of the answer to the POST, never in a URL, and the
// account page's revoke button. The account service decides everything
// (the password, the step-up, the lifetime limits, the scopes); a token
// that needs a fresher second factor sends the browser to confirm one and
// back to the form.
package tokenpages

import (
	"embed"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/web/webkit"
)

const (
	pathAccount      = "/account"
	pathTokens       = "/account/tokens"
	pathTokensNew    = "/account/tokens/new"
	pathTokensRevoke = "/account/tokens/revoke"
)

//go:embed templates
var templateFiles embed.FS

var templates = webkit.Parse(templateFiles, "templates", nil)

// Pages serves the token pages through the account service.
type Pages struct {
	authn *authn.Service
	// publicURL is the registry's, checked when the server started: the
	// created page says how to store the token for it.
	publicURL string
	sh        webkit.Shell
}

// New returns the token pages.
func New(a *authn.Service, publicURL string) *Pages { return &Pages{authn: a, publicURL: publicURL} }

// Mount serves the pages in the web UI's shell.
func (g *Pages) Mount(sh webkit.Shell) {
	g.sh = sh
	sh.Handle("GET "+pathTokensNew, g.tokenForm)
	sh.Handle("POST "+pathTokens, g.createToken)
	sh.Handle("POST "+pathTokensRevoke, g.revokeToken)
}

// tokenLimits are the token lifetimes of the registry's policy, in days,
// which the form states.
type tokenLimits struct {
	Default, PublishMax, ReadOnlyMax int
}

// tokenLimits asks the account service for the lifetimes.
func (g *Pages) tokenLimits() tokenLimits {
	d, p, r := g.authn.TokenLimits()
	return tokenLimits{Default: d, PublishMax: p, ReadOnlyMax: r}
}

// tokenFormBody is the form, refilled as the user typed it after an
// error; the password never is.
type tokenFormBody struct {
	Name     string
	Days     string // "" for the default lifetime
	Packages string // one name or @scope/* a line
	CIDRs    string // one range a line
	// The actions ticked.
	Read, Publish, Manage bool

	Error    string
	Verified bool // the account's address is verified (tokens need it)
	Limits   tokenLimits
}

// MaxDays bounds the expiry field: the longer of the two limits (the
// account service applies the one for the actions chosen).
func (b tokenFormBody) MaxDays() int { return max(b.Limits.PublishMax, b.Limits.ReadOnlyMax) }

// tokenCreatedBody shows a new token, once.
type tokenCreatedBody struct {
	Value string
	Token core.Token
	// NPMConfig is the npm command that stores the token for this
	// registry; AuthKey is the key it sets.
	NPMConfig string
	AuthKey   string
	Registry  string
}

func (g *Pages) tokenForm(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.Redirect(w, webkit.PathLogin+"?"+url.Values{"next": {pathTokensNew}}.Encode())
		return nil
	}
	b := tokenFormBody{Read: true, Verified: p.User.EmailVerified, Limits: g.tokenLimits()}
	if b.Limits.Default > 0 {
		b.Days = strconv.Itoa(b.Limits.Default)
	}
	return g.renderTokenForm(w, r, p, http.StatusOK, b)
}

func (g *Pages) createToken(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	b := tokenFormBody{
		Name:     strings.TrimSpace(f.Get("name")),
		Days:     strings.TrimSpace(f.Get("days")),
		Read:     slices.Contains(f["action"], string(core.TokenRead)),
		Publish:  slices.Contains(f["action"], string(core.TokenPublish)),
		Manage:   slices.Contains(f["action"], string(core.TokenManage)),
		Packages: f.Get("packages"),
		CIDRs:    f.Get("cidrs"),
		Verified: p.User.EmailVerified,
		Limits:   g.tokenLimits(),
	}
	req, err := b.request()
	var ct *authn.CreatedToken
	if err == nil {
		ct, err = g.authn.CreateToken(r.Context(), p, f.Get("password"), req)
	}
	if err != nil {
		// A second factor too old for the step-up: confirm it, and come
		// back to the form (stepUpNext: the page the form was on).
		if g.sh.StepUpRedirect(w, r, p, err) {
			return nil
		}
		b.Error = webkit.Message(err)
		return g.renderTokenForm(w, r, p, g.sh.Status(w, r, err), b)
	}
	key := npmAuthKey(g.publicURL)
	return templates.Render(w, r, p, http.StatusOK, "token_created", webkit.Data{Title: "Token created", Body: tokenCreatedBody{
		Value:     ct.Value,
		Token:     ct.Token,
		NPMConfig: "npm config set " + key + "=" + ct.Value,
		AuthKey:   key,
		Registry:  g.publicURL,
	}})
}

// request turns the form into a TokenRequest. Lists are one item a line
// (any white space separates them); the account service checks each.
func (b tokenFormBody) request() (authn.TokenRequest, error) {
	req := authn.TokenRequest{Name: b.Name, Packages: strings.Fields(b.Packages), CIDRs: strings.Fields(b.CIDRs)}
	if err := req.CheckSize(); err != nil {
		return req, err
	}
	if b.Days != "" {
		n, err := strconv.Atoi(b.Days)
		if err != nil || n < 1 {
			return req, core.Errorf(core.KindInvalid, "the expiry must be a whole number of days, at least 1 (leave it empty for the default), not %q", truncate(b.Days, limits.MaxEchoBytes))
		}
		req.Days = n
	}
	for _, a := range []struct {
		on     bool
		action core.TokenAction
	}{{b.Read, core.TokenRead}, {b.Publish, core.TokenPublish}, {b.Manage, core.TokenManage}} {
		if a.on {
			req.Actions = append(req.Actions, a.action)
		}
	}
	if len(req.Actions) == 0 {
		return req, core.Errorf(core.KindInvalid, "choose what the token may do: read, publish or manage")
	}
	return req, nil
}

func (g *Pages) renderTokenForm(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, b tokenFormBody) error {
	return templates.Render(w, r, p, status, "token_new", webkit.Data{Title: "Create a token", Next: pathTokensNew, Body: b})
}

// npmAuthKey is npm's configuration key for a token for the registry at
// publicURL (checked when the server started): "//host/path/:_authToken".
func npmAuthKey(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil {
		return ""
	}
	return "//" + u.Host + strings.TrimSuffix(u.Path, "/") + "/:_authToken"
}

// revokeToken is the account page's revoke button.
func (g *Pages) revokeToken(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	if err := g.authn.RevokeToken(r.Context(), p, r.PostForm.Get("key")); err != nil {
		return err
	}
	webkit.Redirect(w, pathAccount+"?revoked=1")
	return nil
}

// truncate cuts s to at most n bytes, on a rune boundary, for echoing
// what a user typed.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
