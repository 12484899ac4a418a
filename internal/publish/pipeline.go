package publish

import (
	"context"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
)

// A publish runs as named stages, in the order publishStages gives, each
// on the same publishRun. A stage's error ends the publish and reaches
// the client as it is (its message is what npm prints). Stages before
// "store" write nothing, so a refusal there leaves nothing behind;
// "commit" is the one transaction; "after-commit" only tells people.
//
// New checks plug in as stages: name policy (typosquatting) in "policy",
// malware scanning in "scan" (which may put the version in quarantine),
// staged publishing is decided in "commit" (stage.go; a check that would
// rather stage a publish than refuse it calls publishRun.stageInstead).
// "provenance" verifies a provenance
// bundle and applies provenance continuity (provenance.go): after
// "policy", so that only a caller allowed to publish costs a signature
// check, and before "store".
var publishStages = []stage{
	{"parse", parseStage},
	{"verify", verifyStage},
	{"policy", policyStage},
	{"names", namesStage},
	{"provenance", provenanceStage},
	{"store", storeStage},
	{"scan", scanStage},
	{"commit", commitStage},
	{"after-commit", afterCommitStage},
}

// stage is one named step of the publish pipeline.
type stage struct {
	name string
	run  func(context.Context, *publishRun) error
}

// publishRun is one publish on its way through the stages: what the
// earlier stages found, for the later ones.
type publishRun struct {
	s *Publisher
	p authz.Principal
	// stage is set for `npm stage publish`; route by a check that stages
	// the publish rather than refuse it; stageID and stageReason once the
	// commit staged it (stage.go).
	stage                bool
	route                *stageRoute
	stageID, stageReason string
	// parse turns the upload into the neutral publish (the ecosystem
	// format's work); run by the parse stage, inside a processing slot.
	parse func() (*ecosystem.Publish, error)

	pub *ecosystem.Publish
	// digest is the artifact's blob key; provenance the provenance
	// bundle's, "" if the publish carried none.
	digest, provenance blob.Digest
	// prov is what the provenance bundle proved, nil without one.
	prov *core.Provenance
	// now is when the commit stage recorded the version.
	now time.Time
	// maintainers and keyFrom are read in the commit's transaction, for
	// the notices and the answer.
	maintainers []core.User
	keyFrom     time.Time
	// warning is the scan stage's word for the publisher, "" if none.
	warning string
	// malware is the scan stage's malware scan, nil if none ran; held
	// why the commit held the version ("" if it did not).
	malware MalwareScan
	held    string

	out *Published
}

// runPublish runs every stage of publishStages in order.
func (s *Publisher) runPublish(ctx context.Context, p authz.Principal, stage bool, parse func() (*ecosystem.Publish, error)) (*Published, error) {
	r := &publishRun{s: s, p: p, stage: stage, parse: parse}
	for _, st := range publishStages {
		if err := st.run(ctx, r); err != nil {
			return nil, err
		}
	}
	return r.out, nil
}
