package provenance

import (
	"fmt"

	"github.com/rampart/rampart/internal/core"
)

// Outcome is what continuity says of a publish.
type Outcome int

const (
	// Allow: the publish keeps the package's provenance continuity, or
	// the package has none to keep.
	Allow Outcome = iota
	// Refuse: the publish breaks continuity and the package does not
	// stage publishes: it is refused.
	Refuse
	// WouldStage: the publish breaks continuity; a package that stages
	// publishes would hold it for a maintainer's approval instead of
	// refusing it (publishRun.stageInstead).
	WouldStage
)

// Decision is continuity's answer for one publish: Outcome, and for a
// break, what was expected, what came, and a message for the publisher.
type Decision struct {
	Outcome  Outcome
	Expected string // the source repository expected
	Got      string // the source repository the publish came from; "" without provenance
	Message  string
}

// Continuity says whether a publish may go ahead under the package's
// provenance policy. last is the provenance of the package's most recent
// version published with verified provenance (nil if none ever was), got
// the publish's (nil if it carries none). stages says whether the package
// stages publishes (the lead wires it at merge; false until then).
//
// A package that never published with provenance has no continuity to
// keep; once it has, a later version must come with provenance from the
// same repository (or from the one the owners named), unless the owners
// turned continuity off.
func Continuity(name string, pol core.ProvenancePolicy, last, got *core.Provenance, stages bool) Decision {
	if !pol.Enforced() || (last == nil && pol.Repository == "") {
		return Decision{Outcome: Allow}
	}
	want := pol.Repository
	if want == "" {
		want = last.SourceRepository
	}
	if got != nil && sameRepository(got.SourceRepository, want) {
		return Decision{Outcome: Allow, Expected: want, Got: got.SourceRepository}
	}
	d := Decision{Outcome: Refuse, Expected: want}
	if stages {
		d.Outcome = WouldStage
	}
	fix := fmt.Sprintf("if the source really moved, an owner can change the package's provenance policy on its settings page or with PUT /-/rampart/v1/package/%s/provenance-policy (needs a fresh second factor)", name)
	if got == nil {
		d.Message = fmt.Sprintf("%s has published with build provenance from %s, so every later version must too (provenance continuity); this publish has no provenance: publish from that repository's CI with npm publish --provenance, or %s", name, want, fix)
	} else {
		d.Got = got.SourceRepository
		d.Message = fmt.Sprintf("%s has published with build provenance from %s, so every later version must come from it (provenance continuity); this publish was built from %s: publish from %s, or %s", name, want, got.SourceRepository, want, fix)
	}
	return d
}

// CheckTrustedPublisher checks that a publish made through trusted
// publishing carries provenance from the publisher's own repository and
// workflow: repository as the publisher configured it (a URL, or
// "owner/name" on GitHub) and workflow its file name or path (e.g.
// release.yml or .github/workflows/release.yml). A publish without
// provenance passes: requiring provenance is continuity's job.
func CheckTrustedPublisher(p *core.Provenance, repository, workflow string) error {
	if p == nil {
		return nil
	}
	want := repository
	if !hasScheme(want) {
		want = "https://github.com/" + want
	}
	if !sameRepository(p.SourceRepository, want) {
		return core.Errorf(core.KindForbidden, "the provenance says the build came from %s, but this publish's trusted publisher is %s: publish from the trusted publisher's workflow, or change the trusted publisher", p.SourceRepository, repository)
	}
	if workflow != "" && !workflowMatches(p.WorkflowPath, workflow) {
		return core.Errorf(core.KindForbidden, "the provenance says the build ran %s, but this publish's trusted publisher names the workflow %s: publish from that workflow, or change the trusted publisher", p.WorkflowPath, workflow)
	}
	return nil
}

func hasScheme(s string) bool {
	for i, c := range s {
		if c == ':' {
			return i > 0
		}
		if c == '/' {
			return false
		}
	}
	return false
}

// workflowMatches compares a workflow path with a configured workflow,
// which may be the bare file name (GitHub's trusted publishers are).
func workflowMatches(path, workflow string) bool {
	if path == workflow {
		return true
	}
	return path == ".github/workflows/"+workflow
}
