package npm

import (
	"net/http"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// tokens serves npm's token API: list, create, revoke.
func (h *Handler) tokens(w http.ResponseWriter, r *http.Request, p authz.Principal, rest []string) error {
	ctx := r.Context()
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		toks, err := h.authn.Tokens(ctx, p)
		if err != nil {
			return err
		}
		objects := make([]map[string]any, 0, len(toks))
		for _, t := range toks {
			objects = append(objects, tokenJSON(t))
		}
		return writeJSON(w, http.StatusOK, map[string]any{"objects": objects, "total": len(objects), "urls": map[string]any{"next": nil}})
	case len(rest) == 0 && r.Method == http.MethodPost:
		var body struct {
			Name        string   `json:"name"`
			Password    string   `json:"password"`
			Packages    []string `json:"packages"`
			Scopes      []string `json:"scopes"`
			Permission  string   `json:"packages_and_scopes_permission"`
			Expires     int      `json:"expires"`
			CIDRs       []string `json:"cidr_whitelist"`
			ReadOnly    bool     `json:"readonly"`
			Actions     []string `json:"actions"` // Rampart extension: read, publish, manage
			Description string   `json:"description"`
		}
		if err := readJSONSignedIn(w, r, p, &body); err != nil {
			return err
		}
		req := authn.TokenRequest{Name: body.Name, CIDRs: body.CIDRs, Days: body.Expires, Packages: body.Packages}
		for _, s := range body.Scopes {
			if len(req.Packages) > limits.MaxTokenPackages {
				break // CheckSize below refuses; no need to build the rest
			}
			// A scope may name npm as a pattern does (npm:@acme).
			s = strings.TrimSuffix(strings.TrimPrefix(s, string(core.EcosystemNPM)+":"), "/*")
			if !strings.HasPrefix(s, "@") {
				s = "@" + s
			}
			req.Packages = append(req.Packages, s+"/*")
		}
		switch {
		case len(body.Actions) > 0:
			for _, a := range body.Actions {
				req.Actions = append(req.Actions, core.TokenAction(a))
			}
		case body.ReadOnly || body.Permission == "read-only":
			req.Actions = []core.TokenAction{core.TokenRead}
		case body.Permission == "no-access":
			return core.Errorf(core.KindInvalid, "a token with no access to any package would be useless")
		default:
			// read-write, or nothing said: read and publish. Managing
			// packages (unpublish, owners, tags) needs "actions": [..., "manage"].
			req.Actions = []core.TokenAction{core.TokenRead, core.TokenPublish}
		}
		if req.Name == "" {
			req.Name = body.Description
		}
		if err := req.CheckSize(); err != nil {
			return err
		}
		ct, err := h.authn.CreateToken(ctx, p, body.Password, req)
		if err != nil {
			return err
		}
		out := tokenJSON(ct.Token)
		out["token"] = ct.Value
		out["updated"] = ct.Token.CreatedAt.Format(time.RFC3339)
		return writeJSON(w, http.StatusCreated, out)
	case len(rest) == 2 && rest[0] == "token" && r.Method == http.MethodDelete:
		if err := h.authn.RevokeToken(ctx, p, rest[1]); err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	}
	return methodNotAllowed(r)
}

func tokenJSON(t core.Token) map[string]any {
	readonly := true
	for _, a := range t.Actions {
		if a != core.TokenRead {
			readonly = false
		}
	}
	cidrs := any(nil)
	if len(t.CIDRs) > 0 {
		cidrs = t.CIDRs
	}
	return map[string]any{
		"key": t.Key, "token": t.Mask, "name": t.Name, "created": t.CreatedAt.Format(time.RFC3339),
		"expires": t.ExpiresAt.Format(time.RFC3339), "readonly": readonly, "cidr_whitelist": cidrs,
		"packages": t.Packages, "actions": t.Actions, "type": t.Kind,
	}
}
