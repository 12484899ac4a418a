package provenanceapi

import (
	"net/http"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/signing"
)

// getAttestation answers GET /-/rampart/v1/attestations/<name>@<version>
// with the version's publish attestation, signed with the registry's
// key, for whoever may see the version (to anyone else it does not
// exist, as the version's tarball).
func (h *Handler) getAttestation(c *call) error {
	if h.signing == nil {
		return core.Errorf(core.KindNotFound, "attestations are not available on this registry")
	}
	at := strings.LastIndexByte(c.arg, '@')
	if at <= 0 || at == len(c.arg)-1 {
		return core.Errorf(core.KindNotFound, "%s is not <name>@<version>: ask for /-/rampart/v1/attestations/<name>@<version>", quote.Untrusted(c.arg))
	}
	name, version := c.arg[:at], c.arg[at+1:]
	pkgID, err := h.reg.ServableVersion(c.r.Context(), c.p, name, version)
	if err != nil {
		return err
	}
	entry, err := h.signing.PublishAttestation(c.r.Context(), pkgID, version)
	if core.KindOf(err) == core.KindNotFound {
		return core.Errorf(core.KindNotFound, "%s@%s has no attestations", name, version)
	}
	if err != nil {
		return err
	}
	return writeJSON(c.w, http.StatusOK, map[string]any{"attestations": []*signing.Entry{entry}})
}
