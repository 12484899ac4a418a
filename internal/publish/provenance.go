package publish

import (
	"context"
	"errors"
	"fmt"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/provenance"
	"github.com/rampart/rampart/internal/store"
)

// Provenance is how a publish treats build provenance (AUTHZ-3c) and
// provenance continuity (BEY-b).
type Provenance struct {
	// Verifier checks the provenance bundles publishes carry. Nil
	// refuses every bundle: a bundle is served to clients as proof, so
	// none is kept unverified.
	Verifier *provenance.Verifier
	// TrustedPublisher says, for a principal that came through trusted
	// publishing (authz.Principal.Publisher), the repository and workflow
	// its publisher configuration names, read in tx (ok false for any
	// other principal); the provenance must then come from them. Nil
	// until trusted publishing is wired in.
	TrustedPublisher func(tx store.Tx, p authz.Principal) (repository, workflow string, ok bool, err error)
	// Stages says whether the package holds publishes for approval
	// (staged publishing): continuity would then stage a break instead
	// of refusing it. Nil until staged publishing is wired in; a break is
	// refused either way today.
	Stages func(tx store.Tx, pkg *core.Package) (bool, error)
}

// provenanceStage verifies the publish's provenance bundle, if any, and
// applies provenance continuity: after "policy", so that only a caller
// allowed to publish makes the registry verify signatures or record a
// refusal, and before "store", so that a refused publish stores nothing.
// The commit stage records the facts and checks continuity again in its
// transaction (commitProvenance).
func provenanceStage(ctx context.Context, r *publishRun) error {
	s, pub := r.s, r.pub
	if a := pub.Attachment(ecosystem.AttachmentProvenance); a != nil {
		if s.provenance.Verifier == nil {
			return core.Errorf(core.KindInvalid, "this registry does not verify build provenance, so it cannot serve it: publish without --provenance, or ask its operators to configure a Sigstore trusted root")
		}
		f, err := s.provenance.Verifier.Verify(a.Data, provenance.Subject{Name: provenance.PackageURL(pub.Ref, pub.Version), SHA512: pub.Artifact.SHA512})
		if err != nil {
			return err
		}
		r.prov = f
	}
	var d provenance.Decision
	err := s.store.View(ctx, func(tx store.Tx) error {
		if tp := s.provenance.TrustedPublisher; tp != nil {
			repo, workflow, ok, err := tp(tx, r.p)
			if err != nil {
				return err
			}
			if ok {
				if err := provenance.CheckTrustedPublisher(r.prov, repo, workflow); err != nil {
					return err
				}
			}
		}
		var err error
		d, err = s.continuity(tx, pub.Ref, r.prov)
		return err
	})
	if err != nil {
		return err
	}
	switch d.Outcome {
	case provenance.Allow:
		return nil
	case provenance.WouldStage:
		// Held for a maintainer's approval (with a second factor) instead
		// of refused; the commit stage refuses it after all if the
		// package stopped staging meanwhile.
		got := d.Got
		if got == "" {
			got = "no provenance"
		}
		r.stageInstead(fmt.Sprintf("it breaks provenance continuity (expected %s, got %s)", d.Expected, got),
			core.Errorf(core.KindForbidden, "%s", d.Message))
		return nil
	}
	return s.refuseContinuity(ctx, r, d)
}

// continuity decides provenance continuity for a publish of ref with
// provenance got (nil without) from the state in tx.
func (s *Publisher) continuity(tx store.Tx, ref core.PackageRef, got *core.Provenance) (provenance.Decision, error) {
	pkg, err := tx.PackageByRef(ref)
	if errors.Is(err, core.ErrNotFound) {
		return provenance.Decision{Outcome: provenance.Allow}, nil
	}
	if err != nil {
		return provenance.Decision{}, err
	}
	return s.continuityOf(tx, pkg, got)
}

func (s *Publisher) continuityOf(tx store.Tx, pkg *core.Package, got *core.Provenance) (provenance.Decision, error) {
	pol, err := tx.ProvenancePolicy(pkg.ID)
	if err != nil {
		return provenance.Decision{}, err
	}
	last, err := tx.LastProvenance(pkg.ID)
	if errors.Is(err, core.ErrNotFound) {
		last = nil
	} else if err != nil {
		return provenance.Decision{}, err
	}
	stages := false
	switch {
	case s.provenance.Stages != nil:
		if stages, err = s.provenance.Stages(tx, pkg); err != nil {
			return provenance.Decision{}, err
		}
	case s.staging != nil:
		// A package that stages publishes holds a break for approval.
		policy, err := tx.StagePolicy(pkg.ID)
		if err != nil {
			return provenance.Decision{}, err
		}
		stages = policy != core.StageNone
	}
	return provenance.Continuity(pkg.Name, pol, last, got, stages), nil
}

// refuseContinuity records the refusal of a publish that breaks
// continuity (the owners are mailed from the outbox: someone who may
// publish tried to publish from elsewhere) and returns the refusal.
func (s *Publisher) refuseContinuity(ctx context.Context, r *publishRun, d provenance.Decision) error {
	pub := r.pub
	err := s.store.Update(ctx, func(tx store.Tx) error {
		pkg, err := tx.PackageByRef(pub.Ref)
		if err != nil {
			return err
		}
		ms, err := tx.Maintainers(pkg.ID)
		if err != nil {
			return err
		}
		ev := event.ProvenanceRefused{Expected: d.Expected, Got: d.Got, Notify: core.UserNames(ms)}
		return tx.AppendEvent(ev.At(s.now(), r.p.Name(), pub.Ref.Name, pub.Version))
	})
	if err != nil {
		return err
	}
	s.hooks.Wake()
	return core.Errorf(core.KindForbidden, "%s", d.Message)
}

// commitProvenance is the commit stage's part: inside its transaction,
// continuity again (a publish that committed since the provenance stage
// may have changed what is expected), then the verified facts with the
// version.
func (s *Publisher) commitProvenance(tx store.Tx, r *publishRun, pkg *core.Package, staged bool) error {
	d, err := s.continuityOf(tx, pkg, r.prov)
	if err != nil {
		return err
	}
	if d.Outcome != provenance.Allow && !(d.Outcome == provenance.WouldStage && staged) {
		return core.Errorf(core.KindForbidden, "%s", d.Message)
	}
	if r.prov == nil {
		return nil
	}
	return tx.PutVersionProvenance(pkg.ID, r.pub.Version, r.prov)
}

// provenancePredicate is the predicate type the version keeps, "" if
// its publish carried no verified provenance.
func (r *publishRun) provenancePredicate() string {
	if r.prov == nil {
		return ""
	}
	return r.prov.PredicateType
}
