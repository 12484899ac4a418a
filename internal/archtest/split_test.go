package archtest

import (
	"slices"
	"strings"
	"testing"
)

// onlyImports lists packages split out of a larger one (issue 8: package
// sizes) with the only packages of this module each may import, so that
// a helper package stays a leaf its parent calls and does not grow back
// into the parent's job.
var onlyImports = map[string][]string{
	// The read caches hold copies; deciding what is servable, who may
	// read it and what a write invalidates is the registry's.
	"internal/readcache": {"internal/core", "internal/limits", "internal/store"},
	// Download counting writes counts; what they mean (unpublish policy,
	// critical packages) is the registry's.
	"internal/downloads": {"internal/core", "internal/limits", "internal/store"},
	// Which packages are critical; mailing and events are the registry's.
	"internal/critical": {"internal/core", "internal/store"},
	// The lazy package documents: stamps, fragments, stale marks and
	// builds, through the injected ecosystem.Format. Who may change a
	// package, the limits a change is held to and the read caches are
	// the registry's.
	"internal/documents": {"internal/core", "internal/ecosystem", "internal/store"},
	// The publish path: upload admission and the pipeline's stages. The
	// revision, documents, critical packages and notices are the
	// registry's, reached through publish.Hooks, never by importing it.
	"internal/publish": {"internal/authz", "internal/blob", "internal/core", "internal/ecosystem", "internal/event", "internal/limits", "internal/orgfacts", "internal/pkgfacts", "internal/provenance", "internal/store"},
	// What authorization knows of an org, read from the store; deciding
	// is authz's, changing orgs is internal/org's.
	"internal/orgfacts": {"internal/authz", "internal/core", "internal/store"},
	// Split out of the registry (issue 8: package sizes); none imports
	// it back. What authorization knows of a package, read from the
	// store, as orgfacts is for an org:
	"internal/pkgfacts": {"internal/authz", "internal/core", "internal/orgfacts", "internal/store"},
	// The package notices, rendered from events alone (no store):
	"internal/pkgnotices": {"internal/authz", "internal/core", "internal/event", "internal/mail", "internal/notifier"},
	// A package's provenance continuity policy, kept; enforcing it is
	// the publish path's:
	"internal/provenancepolicy": {"internal/authz", "internal/core", "internal/ecosystem", "internal/event", "internal/pkgfacts", "internal/pkgnotices", "internal/store"},
	// What npm's attestations endpoint serves of a version, as stored:
	"internal/attestations": {"internal/authz", "internal/blob", "internal/core", "internal/ecosystem", "internal/limits", "internal/pkgfacts", "internal/store"},
	// The set of critical packages, kept (internal/critical computes it):
	"internal/criticalpolicy": {"internal/authz", "internal/core", "internal/critical", "internal/ecosystem", "internal/event", "internal/store"},
	// What a packument npm writes back changes: pure, npm's wire format.
	"internal/ecosystem/npm/revision": {"internal/core", "internal/ecosystem", "internal/quote"},
	// The conformance suite's areas share helpers through suite only;
	// they do not reach into each other, and suite into none of them,
	// so that storetest.Run stays the one place that runs them all.
	"internal/store/storetest/suite":    {"internal/core", "internal/store"},
	"internal/store/storetest/accounts": {"internal/core", "internal/store", "internal/store/storetest/suite"},
	"internal/store/storetest/packages": {"internal/core", "internal/store", "internal/store/storetest/suite"},
	"internal/store/storetest/scanning": {"internal/core", "internal/store", "internal/store/storetest/suite"},

	// One version's signature as documents show it (store.Signatures).
	"internal/store/storetest/signatures": {"internal/core", "internal/store", "internal/store/storetest/suite"},
}

// TestSplitPackagesStayLeaves fails when a package of onlyImports imports
// a package of this module not on its list.
func TestSplitPackagesStayLeaves(t *testing.T) {
	module := modulePath(t)
	seen := map[string]bool{}
	for _, p := range goList(t, "-json=ImportPath,Imports", module+"/...") {
		from := strings.TrimPrefix(p.ImportPath, module+"/")
		may, ok := onlyImports[from]
		if !ok {
			continue
		}
		seen[from] = true
		for _, imp := range p.Imports {
			if to, own := strings.CutPrefix(imp, module+"/"); own && !slices.Contains(may, to) {
				t.Errorf("%s imports %s; of this module it may import only %s", from, to, strings.Join(may, ", "))
			}
		}
	}
	for from := range onlyImports {
		if !seen[from] {
			t.Errorf("go list did not describe %s", from)
		}
	}
}
