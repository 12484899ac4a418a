package provenanceapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// policyJSON is the policy as the API reads and writes it.
type policyJSON struct {
	Continuity string `json:"continuity"`
	Repository string `json:"repository"`
	// Read only: the repository continuity expects now ("" if none yet),
	// and who changed the policy last, when.
	Expected  string `json:"expected,omitempty"`
	UpdatedBy string `json:"updatedBy,omitempty"`
	UpdatedAt string `json:"updatedAt,omitempty"`
}

func (h *Handler) getPolicy(c *call) error {
	st, err := h.reg.ProvenancePolicy().Get(c.r.Context(), c.p, c.arg)
	if err != nil {
		return err
	}
	out := policyJSON{Continuity: string(core.ContinuityEnforce), Repository: st.Policy.Repository, Expected: st.Expected, UpdatedBy: st.Policy.UpdatedBy}
	if !st.Policy.Enforced() {
		out.Continuity = string(core.ContinuityOff)
	}
	if !st.Policy.UpdatedAt.IsZero() {
		out.UpdatedAt = st.Policy.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return writeJSON(c.w, http.StatusOK, out)
}

func (h *Handler) putPolicy(c *call) error {
	// An anonymous caller is refused before the body is read.
	if c.p.Anonymous() {
		return core.Errorf(core.KindUnauthenticated, "this action needs you to be logged in: run `npm login`")
	}
	if c.r.ContentLength > limits.MaxJSONBodyBytes {
		return core.Errorf(core.KindTooLarge, "request body is larger than the limit of %d MiB", limits.MaxJSONBodyBytes>>20)
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, limits.MaxJSONBodyBytes))
	if err != nil {
		return err
	}
	var body policyJSON
	if err := decodeJSON(raw, &body); err != nil {
		return err
	}
	if err := h.reg.ProvenancePolicy().Set(c.r.Context(), c.p, c.arg, core.ProvenanceContinuity(body.Continuity), body.Repository); err != nil {
		return err
	}
	return h.getPolicy(c)
}

// decodeJSON decodes a request body, in the words npm's front-end uses.
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
