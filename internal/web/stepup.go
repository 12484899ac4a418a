package web

import (
	"net/http"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/web/webkit"
)

// The step-up with a security key or passkey, for a signed-in browser
// (the confirm page): any of the user's keys, discoverable or not, and
// the session then counts as having passed a phishing-resistant factor
// now, which critical packages need.

func (h *Handler) stepUpKeyBegin(w http.ResponseWriter, r *http.Request, p authz.Principal) (any, error) {
	o, err := h.factors.BeginStepUpKey(r.Context(), p)
	if err != nil {
		return nil, err
	}
	return h.ceremony(w, r, o), nil
}

func (h *Handler) stepUpKeyFinish(w http.ResponseWriter, r *http.Request, p authz.Principal) (any, error) {
	req, err := readWebAuthn(w, r)
	if err != nil {
		return nil, err
	}
	if err := h.factors.FinishStepUpKey(r.Context(), p, h.takeCeremonyCookie(w, r), req.Credential); err != nil {
		return nil, err
	}
	return map[string]string{"redirect": webkit.SafeNext(req.Next)}, nil
}
