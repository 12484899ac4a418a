package publish

import (
	"context"
	"errors"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/pkgfacts"
	"github.com/rampart/rampart/internal/store"
)

// Staged publishing. A publish lands staged (its version held pending:
// served to its maintainers only, core.Servable) rather than live when
//
//   - it asked to (`npm stage publish`: BeginStage);
//   - the package's policy (store.Stages.StagePolicy) stages every
//     publish (core.StageAll), or those through trusted publishing
//     (core.StageCI, authz.Principal.ViaTrustedPublishing);
//   - a check routed it there (publishRun.stageInstead) and the package
//     uses staged publishing: provenance continuity stages a publish it
//     would otherwise refuse.
//
// Everything else is the same pipeline: every check and limit, the bytes
// stored by digest, and the version number taken for good in the commit,
// so that it can never be used with other bytes. What differs is in the
// commit: no dist-tag moves, and the stage's record and event come from
// the Recorder (internal/stage) instead of the publish event.

// StagedVersion is what the commit hands the Recorder of a staged
// publish, inside its transaction.
type StagedVersion struct {
	Principal authz.Principal
	Package   *core.Package
	Version   *core.Version
	// Tag is the dist-tag the publish asked for: it moves on approval.
	Tag    string
	Reason string
	// Maintainers are the package's maintainers (whom to tell); Via and
	// IP how and whence the stager came (Hooks.Signed).
	Maintainers []core.User
	Via, IP     string
	Token       string // the key of the token used; "" for a session
	// Description and Keywords are the version's, which the package takes
	// on approval if the tag is latest.
	Description, Keywords string
}

// Staging is staged publishing as the pipeline sees it (internal/stage).
type Staging interface {
	// Record records a staged version's stage and its event in the
	// publish's transaction and returns the stage's id.
	Record(tx store.Tx, sv StagedVersion) (id string, err error)
	// Wake tells staged publishing's notifier, once the publish has
	// committed, that the stage's event has notices.
	Wake()
}

// UseStaging makes s stage publishes through st. Without it, a publish
// that would be staged is refused, so that nothing is made pending with
// no one able to approve it.
func (s *Publisher) UseStaging(st Staging) { s.staging = st }

// BeginStage admits a `npm stage publish` body before it is read, as
// BeginUpload does a publish: the caller must be allowed to stage a
// version of the existing package, which needs no one-time password.
func (s *Publisher) BeginStage(ctx context.Context, p authz.Principal, name string, declared int64) (*Upload, error) {
	f, err := s.uploadFormat()
	if err != nil {
		return nil, err
	}
	if declared > s.limits.PublishBodyBytes() && !p.Anonymous() {
		return nil, f.RequestTooLarge(s.limits)
	}
	u, err := s.Admit(ctx, p, name, s.mayStage)
	if err != nil {
		return nil, err
	}
	u.stage = true
	return u, nil
}

// Stage runs a `npm stage publish` body held in memory (tests, tools)
// through BeginStage and the pipeline, as Publish does a publish.
func (s *Publisher) Stage(ctx context.Context, p authz.Principal, urlName string, body []byte) (*Published, error) {
	u, err := s.BeginStage(ctx, p, urlName, int64(len(body)))
	if err != nil {
		return nil, err
	}
	defer u.Close()
	return u.publishBody(ctx, urlName, body)
}

// mayStage is BeginStage's decision before the body: an existing package
// the caller may stage versions of.
func (s *Publisher) mayStage(ctx context.Context, p authz.Principal, name string) error {
	return s.store.View(ctx, func(tx store.Tx) error {
		pkg, err := tx.PackageByRef(s.ref(name))
		if errors.Is(err, core.ErrNotFound) || (err == nil && pkg.Tombstoned()) {
			return firstVersionNotStaged(name)
		}
		if err != nil {
			return err
		}
		res, err := s.resourceOf(tx, pkg)
		if err != nil {
			return err
		}
		if err := authz.Authorize(p, authz.ReadPackage, res); err != nil {
			return err
		}
		return authz.Authorize(p, authz.StagePublish, res)
	})
}

// resourceOf is pkg as authorization sees it: in an org's scope, its
// facts decide too (a read-write grant stages).
func (s *Publisher) resourceOf(tx pkgfacts.Roles, pkg *core.Package) (authz.Resource, error) {
	st, err := pkgfacts.Of(tx, pkg)
	if err != nil {
		return authz.Resource{}, err
	}
	return st.Resource(), nil
}

func firstVersionNotStaged(name string) error {
	return core.Errorf(core.KindInvalid, "%s has no published version yet, and staged publishing is for new versions of an existing package: publish its first version with `npm publish`, then stage the next ones", name)
}

// stageRoute is a check's request to stage a publish it would otherwise
// refuse with otherwise.
type stageRoute struct {
	reason    string
	otherwise error
}

// stageInstead routes the publish to staging for reason, if the package
// uses staged publishing (its policy is not "none"); otherwise the
// publish is refused with otherwise. A check in an earlier stage calls
// it rather than returning otherwise (provenance continuity).
func (r *publishRun) stageInstead(reason string, otherwise error) {
	if r.route == nil {
		r.route = &stageRoute{reason: reason, otherwise: otherwise}
	}
}

// Why a publish was staged, in the stage's record and its notices.
const (
	ReasonAsked     = "asked for with `npm stage publish`"
	ReasonPolicyAll = "the package's policy stages every publish"
	ReasonPolicyCI  = "the package's policy stages every publish from CI (trusted publishing)"
)

// stagingReason decides, inside the commit's transaction, whether the
// publish of pkg (nil: a new package) lands staged, and why; "" for a
// live publish.
func (s *Publisher) stagingReason(tx store.Stages, r *publishRun, pkg *core.Package) (string, error) {
	if pkg == nil {
		if r.stage {
			return "", firstVersionNotStaged(r.pub.Ref.Name)
		}
		if r.route != nil {
			return "", r.route.otherwise
		}
		return "", nil
	}
	policy, err := tx.StagePolicy(pkg.ID)
	if err != nil {
		return "", err
	}
	reason := ""
	switch {
	case r.stage:
		reason = ReasonAsked
	case policy == core.StageAll:
		reason = ReasonPolicyAll
	case policy == core.StageCI && r.p.ViaTrustedPublishing():
		reason = ReasonPolicyCI
	case r.route != nil && policy != core.StageNone:
		reason = r.route.reason
	case r.route != nil:
		return "", r.route.otherwise
	}
	if reason != "" && s.staging == nil {
		return "", core.Errorf(core.KindInvalid, "this publish of %s would be staged (%s), but staged publishing is not available on this registry", pkg.Name, reason)
	}
	return reason, nil
}
