package web

import (
	"html/template"
	"net/http"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/web/webkit"
)

// AddPackageSection adds a group's part of every package page
// (webkit.PackageSections), shown in the order added.
func (h *Handler) AddPackageSection(s webkit.PackageSection) { h.sections = append(h.sections, s) }

// AddPackageFallback adds a group's page for names the registry does not
// hold (webkit.PackageFallbacks), tried in the order added.
func (h *Handler) AddPackageFallback(f webkit.PackageFallback) { h.fallbacks = append(h.fallbacks, f) }

// packageFallback serves name's page from a group after the registry
// answered not-found; served false when no group has it.
func (h *Handler) packageFallback(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) (bool, error) {
	for _, f := range h.fallbacks {
		if served, err := f(w, r, p, name); served || err != nil {
			return served, err
		}
	}
	return false, nil
}

// packageSections renders the groups' sections of the package page pv.
func (h *Handler) packageSections(r *http.Request, p authz.Principal, pv *registry.PackageView) ([]template.HTML, error) {
	if len(h.sections) == 0 {
		return nil, nil
	}
	facts := webkit.PackageFacts{Name: pv.Package.Name, Latest: pv.DistTags["latest"], Dependencies: map[string]string{}}
	for _, v := range pv.Versions {
		facts.Versions = append(facts.Versions, v.Version)
	}
	if deps, ok := pv.Latest["dependencies"].(map[string]any); ok {
		for name, rng := range deps {
			if s, ok := rng.(string); ok {
				facts.Dependencies[name] = s
			}
		}
	}
	var out []template.HTML
	for _, s := range h.sections {
		html, err := s(r, p, facts)
		if err != nil {
			return nil, err
		}
		if html != "" {
			out = append(out, html)
		}
	}
	return out, nil
}
