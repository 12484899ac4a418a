package publish

import (
	"errors"
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/store"
)

// policyTx answers StagePolicy with one policy; nothing else is called.
type policyTx struct {
	store.Stages
	policy core.StagePolicy
}

func (t policyTx) StagePolicy(int64) (core.StagePolicy, error) { return t.policy, nil }

type nopStaging struct{}

func (nopStaging) Record(store.Tx, StagedVersion) (string, error) { return "id", nil }
func (nopStaging) Wake()                                          {}

// TestStagingReason: which publishes land staged, and why; a check that
// routes a publish to staging has it refused instead where the package
// does not use staged publishing.
func TestStagingReason(t *testing.T) {
	refused := errors.New("refused by the check")
	pkg := &core.Package{ID: 1, PackageRef: core.NPM("left-pad")}
	pub := &ecosystem.Publish{Ref: pkg.PackageRef}
	cases := []struct {
		name    string
		policy  core.StagePolicy
		asked   bool
		route   bool
		pkg     *core.Package
		want    string
		wantErr error
	}{
		{"plain publish, no policy", core.StageNone, false, false, pkg, "", nil},
		{"asked", core.StageNone, true, false, pkg, ReasonAsked, nil},
		{"policy all", core.StageAll, false, false, pkg, ReasonPolicyAll, nil},
		{"policy ci, not from CI", core.StageCI, false, false, pkg, "", nil},
		{"a check routes, the package stages", core.StageCI, false, true, pkg, "provenance changed", nil},
		{"a check routes, the package does not stage", core.StageNone, false, true, pkg, "", refused},
		{"a check routes a new package", core.StageNone, false, true, nil, "", refused},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &Publisher{staging: nopStaging{}}
			r := &publishRun{s: s, p: authz.Principal{}, stage: c.asked, pub: pub}
			if c.route {
				r.stageInstead("provenance changed", refused)
			}
			got, err := s.stagingReason(policyTx{policy: c.policy}, r, c.pkg)
			if !errors.Is(err, c.wantErr) || got != c.want {
				t.Fatalf("stagingReason = %q, %v; want %q, %v", got, err, c.want, c.wantErr)
			}
		})
	}
	// Without staged publishing wired, nothing is staged silently.
	s := &Publisher{}
	r := &publishRun{s: s, stage: true, pub: pub}
	if _, err := s.stagingReason(policyTx{policy: core.StageNone}, r, pkg); err == nil {
		t.Fatal("a stage publish on a registry without staging was accepted")
	}
}
