package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/web/webkit"
)

// Creating an API token on the web, as `npm token create` does: what the
// token may do, for which packages, from where and for how long. The
// account service decides everything (the password, the step-up, the
// lifetime limits, the scopes); this page carries the form and shows the
// token's value once, in the body of the answer to the POST, never in a
// URL.

const (
	pathTokens    = "/account/tokens"
	pathTokensNew = "/account/tokens/new"
)

// tokenLimits are the token lifetimes of the registry's policy, in days,
// which the form states.
type tokenLimits struct {
	Default, PublishMax, ReadOnlyMax int
}

// tokenLimits asks the account service for the lifetimes.
func (h *Handler) tokenLimits() tokenLimits {
	d, p, r := h.authn.TokenLimits()
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

func (h *Handler) tokenForm(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.Redirect(w, pathLogin+"?"+url.Values{"next": {pathTokensNew}}.Encode())
		return nil
	}
	b := tokenFormBody{Read: true, Verified: p.User.EmailVerified, Limits: h.tokenLimits()}
	if b.Limits.Default > 0 {
		b.Days = strconv.Itoa(b.Limits.Default)
	}
	return h.renderTokenForm(w, r, p, http.StatusOK, b)
}

func (h *Handler) createToken(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
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
		Limits:   h.tokenLimits(),
	}
	req, err := b.request()
	var ct *authn.CreatedToken
	if err == nil {
		ct, err = h.authn.CreateToken(r.Context(), p, f.Get("password"), req)
	}
	if err != nil {
		// A second factor too old for the step-up: confirm it, and come
		// back to the form (stepUpNext: the page the form was on).
		if h.stepUpRedirect(w, r, p, err) {
			return nil
		}
		b.Error = webkit.Message(err)
		return h.renderTokenForm(w, r, p, h.status(w, r, err), b)
	}
	key := npmAuthKey(h.cfg.PublicURL)
	return h.render(w, r, p, http.StatusOK, "token_created", pageData{Title: "Token created", Body: tokenCreatedBody{
		Value:     ct.Value,
		Token:     ct.Token,
		NPMConfig: "npm config set " + key + "=" + ct.Value,
		AuthKey:   key,
		Registry:  h.cfg.PublicURL,
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

func (h *Handler) renderTokenForm(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, b tokenFormBody) error {
	return h.render(w, r, p, status, "token_new", pageData{Title: "Create a token", Next: pathTokensNew, Body: b})
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
