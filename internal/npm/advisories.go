package npm

import (
	"context"
	"sort"
	"strings"

	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	npmfmt "github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/osv"
)

// UseAdvisories answers npm's audit from the advisory database; without
// it every audit answers {} (nothing known).
func (h *Handler) UseAdvisories(a *advisory.Service) { h.advisories = a }

// auditAdvisory is one advisory in npm's bulk answer (npm-protocol §7.2;
// read by @npmcli/metavuln-calculator's advisory.js).
type auditAdvisory struct {
	ID                 string    `json:"id"`
	URL                string    `json:"url"`
	Title              string    `json:"title"`
	Severity           string    `json:"severity"`
	VulnerableVersions string    `json:"vulnerable_versions"`
	CWE                []string  `json:"cwe"`
	CVSS               auditCVSS `json:"cvss"`
}

type auditCVSS struct {
	Score        float64 `json:"score"`
	VectorString *string `json:"vectorString"`
}

// auditAnswer is the bulk answer to req: per package, the advisories in
// force that affect at least one of its versions listed, with the range
// npm checks every version against. A malicious-package advisory is
// critical. An advisory that names a package of this registry p may not
// read is left out, as if it did not exist (as internal/osvapi does).
func (h *Handler) auditAnswer(ctx context.Context, p authz.Principal, req npmfmt.AuditRequest) (map[string][]auditAdvisory, error) {
	out := map[string][]auditAdvisory{}
	if h.advisories == nil || len(req) == 0 {
		return out, nil
	}
	names := make([]string, 0, len(req))
	for name := range req {
		names = append(names, name)
	}
	sort.Strings(names)
	refs := make([]core.PackageRef, len(names))
	for i, n := range names {
		refs[i] = core.NPM(n)
	}
	lists, err := h.advisories.ForPackages(ctx, refs)
	if err != nil {
		return nil, err
	}
	hidden := map[string]bool{}
	for i, recs := range lists {
		ref, versions := refs[i], req[names[i]]
		for _, rec := range recs {
			if ok, err := h.mayRead(ctx, p, hidden, rec); err != nil || !ok {
				if err != nil {
					return nil, err
				}
				continue
			}
			var hit []string
			for _, v := range versions {
				if advisory.Affects(rec.Vuln, ref, v) {
					hit = append(hit, v)
				}
			}
			if len(hit) == 0 {
				continue
			}
			out[ref.Name] = append(out[ref.Name], toAudit(h.advisories.URL(rec.ID), rec.Vuln, ref, hit))
		}
	}
	return out, nil
}

// mayRead reports whether p may see rec: every package of this registry
// it names is one p may read (h.readableBy; a package held
// elsewhere is public knowledge). hidden remembers the answers by name.
func (h *Handler) mayRead(ctx context.Context, p authz.Principal, hidden map[string]bool, rec advisory.Record) (bool, error) {
	for i := range rec.Affected {
		a := &rec.Affected[i].Package
		if advisory.Ecosystem(a.Ecosystem) != core.EcosystemNPM {
			continue
		}
		hide, seen := hidden[a.Name]
		if !seen {
			readable, found, err := h.readableBy(ctx, p, a.Name)
			if err != nil {
				return false, err
			}
			hide = found && !readable
			hidden[a.Name] = hide
		}
		if hide {
			return false, nil
		}
	}
	return true, nil
}

func toAudit(url string, v *osv.Vuln, ref core.PackageRef, hit []string) auditAdvisory {
	var ranges []string
	for i := range v.Affected {
		a := &v.Affected[i]
		if a.Package.Name == ref.Name && advisory.Ecosystem(a.Package.Ecosystem) == ref.Ecosystem {
			if r := a.NPMRange(); r != "" {
				ranges = append(ranges, r)
			}
		}
	}
	if len(ranges) == 0 {
		// No range npm can read (versions that are no semver): the
		// versions this request has that the record names.
		ranges = hit
	}
	title := v.Summary
	if title == "" {
		title = v.ID
	}
	a := auditAdvisory{ID: v.ID, URL: url, Title: title, Severity: v.Rating(), VulnerableVersions: strings.Join(ranges, " || "), CWE: v.CWEs()}
	if score, vector, ok := v.CVSS(); ok {
		a.CVSS = auditCVSS{Score: score, VectorString: &vector}
	}
	return a
}
