package npm

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

// npm profile (§6.7): GET /-/npm/v1/user shows the account; POST changes
// it. Only two-factor changes are served: `npm profile enable-2fa`
// (password, then the otpauth URL, then a code for recovery codes) and
// `npm profile disable-2fa` (password and a one-time password).

// tfaMode is the only mode this registry has: a second factor guards
// logins and every write.
const tfaMode = "auth-and-writes"

func (h *Handler) getProfile(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.Anonymous() {
		return core.Errorf(core.KindUnauthenticated, "you are not logged in: run `npm login`")
	}
	u := p.User
	var tfa any = false
	if p.MFA {
		tfa = map[string]any{"mode": tfaMode, "pending": false}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"name": u.Name, "email": u.Email, "email_verified": u.EmailVerified, "tfa": tfa,
		"created": u.CreatedAt.Format(time.RFC3339), "updated": u.CreatedAt.Format(time.RFC3339)})
}

func (h *Handler) postProfile(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.Anonymous() {
		return core.Errorf(core.KindUnauthenticated, "you are not logged in: run `npm login`")
	}
	if p.Token != nil && p.Token.Kind != core.TokenSession {
		return core.Errorf(core.KindForbidden, "this API token (%s) cannot change the account; log in with `npm login`", p.Token.Mask)
	}
	var body struct {
		TFA json.RawMessage `json:"tfa"`
	}
	if err := readJSON(w, r, &body); err != nil {
		return err
	}
	if len(body.TFA) == 0 || string(body.TFA) == "null" {
		return core.Errorf(core.KindInvalid, "only two-factor authentication can be changed with `npm profile` here; change the rest of your profile at %s", p.AccountURL)
	}
	ctx := r.Context()
	var codes []string
	if err := json.Unmarshal(body.TFA, &codes); err == nil {
		// enable-2fa, second step: a code from the app confirms.
		if len(codes) == 0 {
			return core.Errorf(core.KindInvalid, "send a code from your authenticator app")
		}
		recovery, err := h.factors.ConfirmTOTP(ctx, p, codes[0])
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"tfa": recovery})
	}
	var req struct {
		Mode     string `json:"mode"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal(body.TFA, &req); err != nil {
		return core.Errorf(core.KindInvalid, "tfa must be {\"mode\",\"password\"} or a list of codes")
	}
	switch req.Mode {
	case "disable":
		if err := h.factors.DisableTOTP(ctx, p, req.Password, r.Header.Get(otpHeader)); err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"tfa": false})
	case tfaMode:
		if u, err := h.authn.Login(ctx, p.User.Name, req.Password, p.Addr); err != nil {
			if core.KindOf(err) == core.KindUnauthenticated {
				return core.Errorf(core.KindUnauthenticated, "incorrect password; enabling two-factor authentication needs your current password")
			}
			return err
		} else if u.ID != p.User.ID {
			return core.Errorf(core.KindUnauthenticated, "incorrect password")
		}
		e, err := h.factors.BeginTOTP(ctx, p)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"tfa": e.URL})
	case "auth-only":
		return core.Errorf(core.KindInvalid, "this registry asks for the second factor on writes too: run `npm profile enable-2fa auth-and-writes`")
	}
	return core.Errorf(core.KindInvalid, "unknown two-factor mode %q", req.Mode)
}
