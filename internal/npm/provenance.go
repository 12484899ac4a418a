package npm

import (
	"net/http"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

// Rampart's own API for a package's provenance continuity policy
// (docs/provenance.md), beside npm's endpoints so that a token and npm's
// one-time-password header (npm-otp) work as for `npm owner`:
//
//	GET /-/rampart/v1/package/<name>/provenance-policy
//	PUT /-/rampart/v1/package/<name>/provenance-policy  {"continuity": "enforce"|"off", "repository": "https://..."}

// provenancePolicyJSON is the policy as the API reads and writes it.
type provenancePolicyJSON struct {
	Continuity string `json:"continuity"`
	Repository string `json:"repository"`
	// Read only: the repository continuity expects now ("" if none yet),
	// and who changed the policy last, when.
	Expected  string `json:"expected,omitempty"`
	UpdatedBy string `json:"updatedBy,omitempty"`
	UpdatedAt string `json:"updatedAt,omitempty"`
}

func serveGetProvenancePolicy(h *Handler, c *call) error {
	return h.getProvenancePolicy(c.w, c.r, c.p, c.pkg)
}

func servePutProvenancePolicy(h *Handler, c *call) error {
	return h.putProvenancePolicy(c.w, c.r, c.p, c.pkg)
}

func (h *Handler) getProvenancePolicy(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) error {
	st, err := h.reg.ProvenancePolicy().Get(r.Context(), p, name)
	if err != nil {
		return err
	}
	out := provenancePolicyJSON{Continuity: string(core.ContinuityEnforce), Repository: st.Policy.Repository, Expected: st.Expected, UpdatedBy: st.Policy.UpdatedBy}
	if !st.Policy.Enforced() {
		out.Continuity = string(core.ContinuityOff)
	}
	if !st.Policy.UpdatedAt.IsZero() {
		out.UpdatedAt = st.Policy.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) putProvenancePolicy(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) error {
	var body provenancePolicyJSON
	if err := readJSONSignedIn(w, r, p, &body); err != nil {
		return err
	}
	if err := h.reg.ProvenancePolicy().Set(r.Context(), p, name, core.ProvenanceContinuity(body.Continuity), body.Repository); err != nil {
		return err
	}
	return h.getProvenancePolicy(w, r, p, name)
}
