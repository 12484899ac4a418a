package core

import "time"

// Provenance is what a version's verified build provenance says about
// where it was built: the facts internal/provenance takes from a Sigstore
// bundle whose signature, certificate chain, transparency-log entry and
// subject it has checked. They are stored with the version when it is
// published, so that reads never verify again.
//
// The source facts come from the signing certificate (what Fulcio vouched
// for from the CI's identity token), not from the build's own statement.
type Provenance struct {
	// PredicateType is the in-toto statement's predicate type, e.g.
	// https://slsa.dev/provenance/v1.
	PredicateType string
	// SourceRepository is the repository's URL, e.g.
	// https://github.com/acme/widget.
	SourceRepository string
	// Commit is the source revision built (a git commit hash).
	Commit string
	// SourceRef is the git ref built, e.g. refs/heads/main.
	SourceRef string
	// WorkflowPath is the build instructions' path in the repository, e.g.
	// .github/workflows/release.yml; WorkflowRef the ref they were read at.
	WorkflowPath, WorkflowRef string
	// Builder identifies what ran the build (SLSA builder.id); Runner is
	// where (github-hosted or self-hosted).
	Builder, Runner string
	// Trigger is the event that started the build (push, release, ...).
	Trigger string
	// RunURL links to the build run; "" if the certificate names none.
	RunURL string
	// Issuer is the OIDC issuer that vouched for the build's identity.
	Issuer string
	// LogIndex is the transparency-log entry's index; IntegratedAt when
	// the log recorded it.
	LogIndex     int64
	IntegratedAt time.Time
}

// ProvenanceContinuity is a package's provenance continuity policy: what a
// publish must bring once the package has published a version with
// verified provenance.
type ProvenanceContinuity string

const (
	// ContinuityEnforce (the default): a later version must come with
	// verified provenance from the expected source repository.
	ContinuityEnforce ProvenanceContinuity = "enforce"
	// ContinuityOff: any publish is accepted, with or without provenance.
	ContinuityOff ProvenanceContinuity = "off"
)

// ProvenancePolicy is a package's provenance policy as its owners set it;
// the zero value (no policy set) enforces continuity from the repository
// the package last published from.
type ProvenancePolicy struct {
	Continuity ProvenanceContinuity // "" means ContinuityEnforce
	// Repository, if set, is the source repository later versions must
	// come from (an owner moved the source); "" means the repository of
	// the last version published with verified provenance.
	Repository string
	UpdatedAt  time.Time
	UpdatedBy  string // the owner who set it; "" if never set
}

// Enforced says whether the policy enforces continuity.
func (p ProvenancePolicy) Enforced() bool { return p.Continuity != ContinuityOff }

// Provenance event types.
const (
	EventProvenancePolicy  = "package.provenance_policy"  // an owner changed the continuity policy
	EventProvenanceRefused = "package.provenance_refused" // a publish broke provenance continuity and was refused
)
