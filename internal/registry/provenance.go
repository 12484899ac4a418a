package registry

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/store"
)

// ProvenanceState is a package's provenance policy and what it enforces
// now: the repository later versions must come from ("" if continuity
// has nothing to keep yet).
type ProvenanceState struct {
	Policy   core.ProvenancePolicy
	Expected string
	// Last is the provenance recorded last, nil if none ever was.
	Last *core.Provenance
}

// ProvenancePolicy returns name's provenance policy for p, who may read
// the package.
func (s *Service) ProvenancePolicy(ctx context.Context, p authz.Principal, name string) (*ProvenanceState, error) {
	var out ProvenanceState
	err := s.store.View(ctx, func(tx store.Tx) error {
		st, err := loadPackage(tx, s.ref(name))
		if err != nil {
			return err
		}
		if err := authz.Authorize(p, authz.ReadPackage, s.readResource(st)); err != nil {
			return err
		}
		if out.Policy, err = tx.ProvenancePolicy(st.pkg.ID); err != nil {
			return err
		}
		if out.Last, err = tx.LastProvenance(st.pkg.ID); errors.Is(err, core.ErrNotFound) {
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

// SetProvenancePolicy replaces name's provenance continuity policy:
// continuity "enforce" or "off", and the repository later versions must
// come from ("" for the one the package last published from). It is an
// owner's sensitive action, authorized like an owner change (a fresh
// second factor); every owner is mailed from the outbox.
func (s *Service) SetProvenancePolicy(ctx context.Context, p authz.Principal, name string, continuity core.ProvenanceContinuity, repository string) error {
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
			st, err := loadPackage(tx, s.ref(name))
			if err != nil {
				return err
			}
			return authz.Authorize(p, authz.ChangeOwners, st.resource())
		})
	}); err != nil {
		return err
	}
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		st, err := loadPackage(tx, s.ref(name))
		if err != nil {
			return err
		}
		if err := authz.Authorize(p, authz.ChangeOwners, st.resource()); err != nil {
			return err
		}
		pol := core.ProvenancePolicy{Continuity: continuity, Repository: repository, UpdatedAt: now, UpdatedBy: p.Name()}
		if err := tx.SetProvenancePolicy(st.pkg.ID, pol); err != nil {
			return err
		}
		n := s.newNotice(p, name, now)
		ev := event.ProvenancePolicy{Continuity: string(continuity), Repository: repository, Via: n.Via, IP: n.IP, Notify: core.UserNames(st.maintainers)}
		return tx.AppendEvent(ev.At(now, p.Name(), name))
	})
	if err != nil {
		return err
	}
	s.notices.Wake()
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

// provenanceNotices are the owners' notices of a provenance event: a
// policy change, or a publish refused for breaking continuity.
func (s *Service) provenanceNotices(e *core.Event, p event.Payload) []notifier.Notice {
	n := mail.Notice{When: e.At, Package: e.Package, Version: e.Version, Actor: e.Actor,
		PackageURL: s.packageURL(e.Package), SecurityURL: s.cfg.PublicURL + pathAccount}
	switch p := p.(type) {
	case event.ProvenancePolicy:
		n.Via, n.IP = p.Via, p.IP
		switch {
		case p.Continuity == string(core.ContinuityOff):
			n.Reason = "continuity off: any build may publish, with or without provenance"
		case p.Repository != "":
			n.Reason = "continuity enforced from " + p.Repository
		default:
			n.Reason = "continuity enforced from the repository last published from"
		}
		return []notifier.Notice{{Kind: mail.KindProvenancePolicy, Notify: p.Notify, Notice: n}}
	case event.ProvenanceRefused:
		got := p.Got
		if got == "" {
			got = "no provenance"
		}
		n.Reason = "expected provenance from " + p.Expected + ", got " + got
		return []notifier.Notice{{Kind: mail.KindProvenanceRefused, Notify: p.Notify, Notice: n}}
	}
	return nil
}
