package npm

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/httperr"
	"github.com/rampart/rampart/internal/trust"
)

// SetTrust gives the handler the trusted-publishing service: the token
// exchange and `npm trust` (npm-protocol.md §4, §11.4). Without it those
// endpoints answer that trusted publishing is not available.
func (h *Handler) SetTrust(t *trust.Service) { h.trust = t }

func (h *Handler) trustService() (*trust.Service, error) {
	if h.trust == nil {
		return nil, core.Errorf(core.KindNotFound, "trusted publishing is not available on this registry")
	}
	return h.trust, nil
}

// oidcExchange is POST /-/npm/v1/oidc/token/exchange/package/<name>: the
// bearer is the CI's OIDC ID token, not a registry token, so the route
// takes no principal (tokenIgnored) and reads the header itself. npm
// only logs a failure's "message" (at verbose level) and carries on
// without a token, so every answer carries "message" beside "error".
func (h *Handler) oidcExchange(w http.ResponseWriter, r *http.Request, name string) error {
	fail := func(err error) error {
		status := h.statusFor(w, r, err)
		msg := core.Message(err)
		if status == http.StatusInternalServerError && core.KindOf(err) == core.KindInternal {
			msg = "the registry failed to exchange the token; try again"
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		return json.NewEncoder(w).Encode(map[string]string{"error": msg, "message": msg})
	}
	t, err := h.trustService()
	if err != nil {
		return fail(err)
	}
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "bearer") {
		raw = ""
	}
	out, err := t.Exchange(r.Context(), clientaddr.Of(r), name, raw)
	if err != nil {
		return fail(err)
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"token": out.Value, "expires": out.Expires})
}

// statusFor sets an error's headers and logs an internal one (without
// the request's headers, which carry the ID token).
func (h *Handler) statusFor(w http.ResponseWriter, r *http.Request, err error) int {
	if core.KindOf(err) == core.KindInternal {
		h.log.ErrorContext(r.Context(), "token exchange failed", "path", r.URL.Path, "err", err)
	}
	return httperr.SetHeaders(w, err)
}

// getTrust is `npm trust list`: the package's configurations as an array.
func (h *Handler) getTrust(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) error {
	t, err := h.trustService()
	if err != nil {
		return err
	}
	st, err := t.Status(r.Context(), p, name)
	if err != nil {
		return err
	}
	out := st.Publishers
	if out == nil {
		out = []trust.View{}
	}
	return writeJSON(w, http.StatusOK, out)
}

// postTrust is `npm trust github|gitlab|circleci`: an array of
// configurations (one object is taken too); the answer echoes them with
// their ids.
func (h *Handler) postTrust(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) error {
	t, err := h.trustService()
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := readJSONSignedIn(w, r, p, &raw); err != nil {
		return err
	}
	var cfgs []trust.Config
	if strings.HasPrefix(strings.TrimSpace(string(raw)), "{") {
		var one trust.Config
		if err := decodeJSON(raw, &one); err != nil {
			return err
		}
		cfgs = []trust.Config{one}
	} else if err := decodeJSON(raw, &cfgs); err != nil {
		return err
	}
	out, err := t.Add(r.Context(), p, name, cfgs)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, out)
}

// deleteTrust is `npm trust revoke --id`.
func (h *Handler) deleteTrust(w http.ResponseWriter, r *http.Request, p authz.Principal, name, id string) error {
	t, err := h.trustService()
	if err != nil {
		return err
	}
	if err := t.Remove(r.Context(), p, name, id); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// trustedOnly is GET and PUT /-/package/<name>/trusted-only: the policy
// "publish only through trusted publishing" ({"trustedOnly": bool}); a
// change needs an owner's fresh second factor (npm-otp).
func (h *Handler) trustedOnly(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) error {
	t, err := h.trustService()
	if err != nil {
		return err
	}
	if r.Method == http.MethodPut {
		var body struct {
			TrustedOnly *bool `json:"trustedOnly"`
		}
		if err := readJSONSignedIn(w, r, p, &body); err != nil {
			return err
		}
		if body.TrustedOnly == nil {
			return core.Errorf(core.KindInvalid, "send {\"trustedOnly\": true} or {\"trustedOnly\": false}")
		}
		if err := t.SetTrustedOnly(r.Context(), p, name, *body.TrustedOnly); err != nil {
			return err
		}
	}
	st, err := t.Status(r.Context(), p, name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"package": name, "trustedOnly": st.TrustedOnly})
}
