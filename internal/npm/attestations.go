package npm

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/upstream"
)

// serveAttestations answers GET /-/npm/v1/attestations/<name>@<version>
// (npm-protocol.md §8.3): {"attestations": [{"predicateType", "bundle"}]}.
func serveAttestations(h *Handler, c *call) error {
	return h.getAttestations(c.w, c.r, c.p, c.pkg)
}

// attestationJSON is one entry of the attestations answer.
type attestationJSON struct {
	PredicateType string          `json:"predicateType"`
	Bundle        json.RawMessage `json:"bundle"`
}

func (h *Handler) getAttestations(w http.ResponseWriter, r *http.Request, p authz.Principal, spec string) error {
	i := strings.LastIndex(spec, "@")
	if i <= 0 || i == len(spec)-1 {
		return core.Errorf(core.KindNotFound, "ask for the attestations of <name>@<version>, e.g. /-/npm/v1/attestations/left-pad@1.0.0")
	}
	out := struct {
		Attestations []attestationJSON `json:"attestations"`
	}{}
	as, err := h.reg.Attestations().List(r.Context(), p, spec[:i], spec[i+1:])
	if u := h.proxiedBy(r.Context(), spec[:i], err); u != nil {
		// A proxied version's provenance, as this registry verified it.
		pt, bundle, err := h.up.Attestations(upstream.WithClient(r.Context(), p.Addr), u, spec[:i], spec[i+1:])
		if err != nil {
			return err
		}
		out.Attestations = []attestationJSON{{PredicateType: pt, Bundle: bundle}}
		return writeJSON(w, http.StatusOK, out)
	}
	if err != nil {
		return err
	}
	for _, a := range as {
		out.Attestations = append(out.Attestations, attestationJSON{PredicateType: a.PredicateType, Bundle: a.Bundle})
	}
	return writeJSON(w, http.StatusOK, out)
}
