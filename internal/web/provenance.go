package web

import (
	"net/http"
	"slices"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/web/webkit"
)

// The package page's build provenance: where each version was built
// (from its verified provenance, with links to the repository, the
// commit, the workflow and the run), and for its maintainers the
// provenance continuity policy with the form that changes it.

// pathProvenancePolicy takes the policy form (POST; the package is a
// form field, since a package path cannot be followed by more segments).
const pathProvenancePolicy = "/-/provenance-policy"

// versionRow is one version in the package page's list.
type versionRow struct {
	registry.VersionInfo
	Built *builtFrom // nil: published without provenance
}

// builtFrom is a version's provenance as the page shows it (shared with
// the version pages, webkit.BuiltFrom).
type builtFrom = webkit.BuiltFrom

func versionRows(vs []registry.VersionInfo) []versionRow {
	out := make([]versionRow, len(vs))
	for i, v := range vs {
		out[i] = versionRow{VersionInfo: v, Built: builtFromOf(v.Provenance)}
	}
	return out
}

// builtFromOf words f for the page (webkit.BuiltFromOf).
func builtFromOf(f *core.Provenance) *builtFrom { return webkit.BuiltFromOf(f) }

// policyView is the continuity policy as its maintainers see it.
type policyView struct {
	Package   string
	Enforced  bool
	Named     string // the repository an owner named; "" for the last one
	Expected  string // what continuity requires now; "" if nothing yet
	UpdatedBy string
}

// provenancePolicyView returns the policy for the page if p maintains the
// package, else nil.
func (h *Handler) provenancePolicyView(r *http.Request, p authz.Principal, name string, maintainers []string) *policyView {
	if p.User == nil || !slices.Contains(maintainers, p.User.Name) {
		return nil
	}
	st, err := h.reg.ProvenancePolicy().Get(r.Context(), p, name)
	if err != nil {
		return nil
	}
	return &policyView{Package: name, Enforced: st.Policy.Enforced(), Named: st.Policy.Repository, Expected: st.Expected, UpdatedBy: st.Policy.UpdatedBy}
}

// setProvenancePolicy takes the policy form: an owner's sensitive
// action, so a session whose second factor is not fresh is sent to
// confirm one and comes back.
func (h *Handler) setProvenancePolicy(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	name := r.PostForm.Get("package")
	err := h.reg.ProvenancePolicy().Set(r.Context(), p, name, core.ProvenanceContinuity(r.PostForm.Get("continuity")), r.PostForm.Get("repository"))
	if err != nil {
		if h.stepUpRedirect(w, r, p, err) {
			return nil
		}
		return err
	}
	webkit.Redirect(w, pathPackage+name+"#provenance")
	return nil
}
