// Package npmaudit answers npm's audit (POST
// /-/npm/v1/security/advisories/bulk, npm-protocol §7.2) from the advisory
// database: per package asked about, the advisories in force that affect
// a version listed, in npm's bulk format. It decides what the answer
// holds, read access included: an advisory that names a package of this
// registry the caller may not read is left out, as internal/osvapi does.
// The npm front-end (internal/npm) reads the request and writes the
// answer.
package npmaudit

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

// Auditor answers npm's audit.
type Auditor struct {
	svc      *advisory.Service
	readable advisory.Readable
}

// New returns an Auditor over the advisory database svc (nil: nothing
// known) that asks readable who may see a package's advisories.
func New(svc *advisory.Service, readable advisory.Readable) *Auditor {
	return &Auditor{svc: svc, readable: readable}
}

// Advisory is one advisory in npm's bulk answer (npm-protocol §7.2;
// read by @npmcli/metavuln-calculator's advisory.js).
type Advisory struct {
	ID                 string   `json:"id"`
	URL                string   `json:"url"`
	Title              string   `json:"title"`
	Severity           string   `json:"severity"`
	VulnerableVersions string   `json:"vulnerable_versions"`
	CWE                []string `json:"cwe"`
	CVSS               CVSS     `json:"cvss"`
}

type CVSS struct {
	Score        float64 `json:"score"`
	VectorString *string `json:"vectorString"`
}

// Answer is the bulk answer to req for p: per package, the advisories in
// force that affect at least one of its versions listed, with the range
// npm checks every version against. A malicious-package advisory is
// critical. An advisory that names a package of this registry p may not
// read is left out, as if it did not exist (as internal/osvapi does). A
// nil Auditor knows nothing: {}.
func (a *Auditor) Answer(ctx context.Context, p authz.Principal, req npmfmt.AuditRequest) (map[string][]Advisory, error) {
	out := map[string][]Advisory{}
	if a == nil || a.svc == nil || len(req) == 0 {
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
	lists, err := a.svc.ForPackages(ctx, refs)
	if err != nil {
		return nil, err
	}
	see := advisory.VisibilityFor(p, a.readable)
	for i, recs := range lists {
		ref, versions := refs[i], req[names[i]]
		for _, rec := range recs {
			if ok, err := see.Sees(ctx, rec); err != nil || !ok {
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
			out[ref.Name] = append(out[ref.Name], toAudit(a.svc.URL(rec.ID), rec.Vuln, ref, hit))
		}
	}
	return out, nil
}

func toAudit(url string, v *osv.Vuln, ref core.PackageRef, hit []string) Advisory {
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
	a := Advisory{ID: v.ID, URL: url, Title: title, Severity: v.Rating(), VulnerableVersions: strings.Join(ranges, " || "), CWE: v.CWEs()}
	if score, vector, ok := v.CVSS(); ok {
		a.CVSS = CVSS{Score: score, VectorString: &vector}
	}
	return a
}
