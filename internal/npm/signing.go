package npm

import (
	"net/http"

	"github.com/rampart/rampart/internal/core"
	npmfmt "github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/signing"
)

// The registry's signatures (npm-protocol.md §8): its keys, which `npm
// audit signatures` fetches from a registry that is not npmjs.org. Each
// version's publish attestation is Rampart's own API
// (internal/provenanceapi).

// UseSigning serves the registry's keys from sg.
func (h *Handler) UseSigning(sg *signing.Service) { h.signing = sg }

// getKeys answers GET /-/npm/v1/keys: every key the registry signed
// with, the retired ones with their expiry.
func (h *Handler) getKeys(w http.ResponseWriter, r *http.Request) error {
	if h.signing == nil {
		return core.Errorf(core.KindNotFound, "registry signatures are not available on this registry")
	}
	keys, err := h.signing.Keys(r.Context())
	if err != nil {
		return err
	}
	keys = withUpstreamKeys(keys, h.up.Keys(r.Context()))
	body, err := npmfmt.KeysDocument(keys)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	// A key added by a rotation must reach clients at once: npm's HTTP
	// cache would otherwise check a new version against keys without it.
	w.Header().Set("Cache-Control", "no-cache")
	_, err = w.Write(body)
	return err
}

// withUpstreamKeys adds the keys of the upstreams whose signatures are
// passed through (internal/upstream), each under the upstream's key id,
// so that npm verifies proxied versions as it does local ones. A key id
// listed already keeps the key listed first: an upstream never replaces
// this registry's key (nor an earlier upstream's) by naming its id.
func withUpstreamKeys(own, up []core.SigningKey) []core.SigningKey {
	seen := map[string]bool{}
	for _, k := range own {
		seen[k.KeyID] = true
	}
	for _, k := range up {
		if !seen[k.KeyID] {
			seen[k.KeyID] = true
			own = append(own, k)
		}
	}
	return own
}
