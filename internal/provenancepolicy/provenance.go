// Package provenancepolicy is a package's provenance continuity policy
// (BEY-b): reading it, with what it enforces now, and an owner's change
// of it (authorized like an owner change: a fresh second factor), which
// records a provenance.policy event so that every owner is mailed from
// the outbox (internal/pkgnotices). The publish path enforces the policy
// (internal/publish, internal/provenance.Continuity); this package only
// keeps it.
package provenancepolicy

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/pkgfacts"
	"github.com/rampart/rampart/internal/pkgnotices"
	"github.com/rampart/rampart/internal/store"
)

// Service keeps the packages' provenance policies.
type Service struct {
	// OrgPrivate reads an organisation's packages like restricted ones
	// ([access] org_packages = "members"); the registry sets it.
	OrgPrivate bool

	store  store.Store
	format ecosystem.Format
	now    func() time.Time
	// wake tells the package notices' notifier that an event waits.
	wake func()
}

// New is the policy service over st (the registry's store, so that its
// writes reach the read caches) for packages of format; wake is called
// after a change commits, so that its notice goes out at once.
func New(st store.Store, format ecosystem.Format, now func() time.Time, wake func()) *Service {
	return &Service{store: st, format: format, now: now, wake: wake}
}

// State is a package's provenance policy and what it enforces
// now: the repository later versions must come from ("" if continuity
// has nothing to keep yet).
type State struct {
	Policy   core.ProvenancePolicy
	Expected string
	// Last is the provenance recorded last, nil if none ever was.
	Last *core.Provenance
}

// Get returns name's provenance policy for p, who may read the package.
func (s *Service) Get(ctx context.Context, p authz.Principal, name string) (*State, error) {
	var out State
	err := s.store.View(ctx, func(tx store.Tx) error {
		st, err := pkgfacts.Load(tx, ecosystem.Ref(s.format, name))
		if err != nil {
			return err
		}
		read := st.Resource()
		read.OrgPrivate = s.OrgPrivate // [access] org_packages = "members"
		if err := authz.Authorize(p, authz.ReadPackage, read); err != nil {
			return err
		}
		if out.Policy, err = tx.ProvenancePolicy(st.Package.ID); err != nil {
			return err
		}
		if out.Last, err = tx.LastProvenance(st.Package.ID); errors.Is(err, core.ErrNotFound) {
			out.Last, err = nil, nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.Policy.Enforced() {
		out.Expected = out.Policy.Repository
		if out.Expected == "" && out.Last != nil {
			out.Expected = out.Last.SourceRepository
		}
	}
	return &out, nil
}

// Set replaces name's provenance continuity policy:
// continuity "enforce" or "off", and the repository later versions must
// come from ("" for the one the package last published from). It is an
// owner's sensitive action, authorized like an owner change (a fresh
// second factor); every owner is mailed from the outbox.
func (s *Service) Set(ctx context.Context, p authz.Principal, name string, continuity core.ProvenanceContinuity, repository string) error {
	if continuity != core.ContinuityEnforce && continuity != core.ContinuityOff {
		return core.Errorf(core.KindInvalid, `continuity must be "enforce" or "off", got %q`, continuity)
	}
	repository = strings.TrimSpace(repository)
	if err := checkRepositoryURL(repository); err != nil {
		return err
	}
	if continuity == core.ContinuityOff && repository != "" {
		return core.Errorf(core.KindInvalid, "a repository is required only while continuity is enforced: leave it empty to turn continuity off")
	}
	// The same authorization as an owner change: an owner, with a fresh
	// second factor, spent before the write transaction.
	if err := authz.Settle(p, func() error {
		return s.store.View(ctx, func(tx store.Tx) error {
			st, err := pkgfacts.Load(tx, ecosystem.Ref(s.format, name))
			if err != nil {
				return err
			}
			return authz.Authorize(p, authz.ChangeOwners, st.Resource())
		})
	}); err != nil {
		return err
	}
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		st, err := pkgfacts.Load(tx, ecosystem.Ref(s.format, name))
		if err != nil {
			return err
		}
		if err := authz.Authorize(p, authz.ChangeOwners, st.Resource()); err != nil {
			return err
		}
		pol := core.ProvenancePolicy{Continuity: continuity, Repository: repository, UpdatedAt: now, UpdatedBy: p.Name()}
		if err := tx.SetProvenancePolicy(st.Package.ID, pol); err != nil {
			return err
		}
		via, ip := pkgnotices.Signed(p)
		ev := event.ProvenancePolicy{Continuity: string(continuity), Repository: repository, Via: via, IP: ip, Notify: core.UserNames(st.Maintainers)}
		return tx.AppendEvent(ev.At(now, p.Name(), name))
	})
	if err != nil {
		return err
	}
	s.wake()
	return nil
}

// checkRepositoryURL accepts "" or an https URL of a repository.
func checkRepositoryURL(r string) error {
	if r == "" {
		return nil
	}
	u, err := url.Parse(r)
	if len(r) > 512 || err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") == "" {
		return core.Errorf(core.KindInvalid, "the repository must be its https URL, e.g. https://github.com/acme/widget")
	}
	return nil
}
