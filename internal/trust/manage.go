package trust

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/pkgfacts"
	"github.com/rampart/rampart/internal/store"
)

// Config is a trusted publisher as a client asks for it (npm trust's
// body): the issuer's name as "type", its claims, the permissions.
type Config struct {
	Type        string         `json:"type"`
	Claims      map[string]any `json:"claims"`
	Permissions []string       `json:"permissions,omitempty"`
}

// Permissions a configuration may carry: publishing, and (for npm's
// staged publishing) staging.
const (
	PermCreatePackage       = "createPackage"
	PermCreateStagedPackage = "createStagedPackage"
)

// View is a configuration as npm trust list shows it.
type View struct {
	ID           string         `json:"id"`
	Type         string         `json:"type"`
	Claims       map[string]any `json:"claims"`
	Permissions  []string       `json:"permissions"`
	Pending      bool           `json:"pending,omitempty"`
	PendingUntil string         `json:"pendingUntil,omitempty"`
	Expired      bool           `json:"expired,omitempty"`
	CreatedBy    string         `json:"createdBy,omitempty"`
	// Summary is the configuration in one line, for pages.
	Summary string `json:"-"`
}

// Status is a package's trusted publishing: its configurations and policy.
type Status struct {
	Package     string
	Exists      bool
	TrustedOnly bool
	Publishers  []View
}

// pkgState is what a decision on a package needs.
type pkgState struct {
	pkg         *core.Package // nil: no such package (a pending publisher's name)
	maintainers []core.User
	org         *authz.OrgFacts // the org owning the scope, nil if none
	res         authz.Resource  // the package as authz decides on it (pkgfacts)
}

func (st *pkgState) resource() authz.Resource { return st.res }

// mayView reports whether p may see the package's trusted publishers:
// its maintainers and, in an org's scope, the org's owners and admins,
// who manage them (authz: ManageTrust goes with ChangeAccess); never a
// trusted publisher's own token.
func (st *pkgState) mayView(p authz.Principal) bool {
	if p.Publisher != nil || p.User == nil {
		return false
	}
	if st.org != nil {
		if r := st.org.Roles[p.User.ID]; r == core.OrgOwner || r == core.OrgAdmin {
			return true
		}
		if st.org.Roles[p.User.ID] == "" {
			return false // a maintainer who left the org has no power over its packages
		}
	}
	return slices.ContainsFunc(st.maintainers, func(u core.User) bool { return u.ID == p.User.ID })
}

func load(tx store.Tx, ref core.PackageRef) (*pkgState, error) {
	p, err := tx.PackageByRef(ref)
	if errors.Is(err, core.ErrNotFound) {
		return &pkgState{}, nil
	}
	if err != nil {
		return nil, err
	}
	if p.Unpublished() {
		return nil, core.Errorf(core.KindNotFound, "package %s was unpublished; its name is held and takes no trusted publishers", ref.Name)
	}
	// In an org's scope, its owners and admins manage the trusted
	// publishers (authz: ManageTrust goes with ChangeAccess). Not
	// pkgfacts.Load: a name never used is no error here (a pending
	// publisher reserves it), and an unpublished one has its own answer.
	f, err := pkgfacts.Of(tx, p)
	if err != nil {
		return nil, err
	}
	return &pkgState{pkg: p, maintainers: f.Maintainers, org: f.Org, res: f.Resource()}, nil
}

// how says how p acted and from where, for events.
func how(p authz.Principal) (via, ip string) {
	switch {
	case p.Token == nil && p.SessionID != "":
		via = "a signed-in browser"
	case p.Token == nil:
	case p.Token.Kind == core.TokenSession:
		via = fmt.Sprintf("npm login session (token %s)", p.Token.Mask)
	case p.Token.Name != "":
		via = fmt.Sprintf("API token %s (%q)", p.Token.Mask, p.Token.Name)
	default:
		via = "API token " + p.Token.Mask
	}
	if p.Addr.IsValid() {
		ip = p.Addr.Unmap().String()
	}
	return via, ip
}

// decideManage is the authorization of a change to name's trusted
// publishing: an owner of the package with a fresh second factor; for a
// name that does not exist, a user who may create it (verified, in a
// scope of theirs, not reserved to someone else), with the same step-up.
func (s *Service) decideManage(tx store.Tx, p authz.Principal, ref core.PackageRef, st *pkgState) error {
	if st.pkg != nil {
		// Whoever may not read a restricted package learns nothing of it.
		if err := authz.Authorize(p, authz.ReadPackage, st.resource()); err != nil {
			return err
		}
		return authz.Authorize(p, authz.ManageTrust, st.resource())
	}
	if p.User == nil {
		return authz.NotLoggedIn()
	}
	if err := authz.Authorize(p, authz.CreatePackage, authz.Resource{Package: ref}); err != nil {
		return err
	}
	if err := s.checkScope(tx, p, ref.Name); err != nil {
		return err
	}
	if err := s.reserved(tx, p, ref); err != nil {
		return err
	}
	return authz.Authorize(p, authz.ManageTrust, authz.Resource{Package: ref, Maintainers: []core.User{*p.User}})
}

// checkScope refuses a name in a scope that is not the user's (the
// publish path's rule: the scope belongs to the user of its name).
func (s *Service) checkScope(tx store.Users, p authz.Principal, name string) error {
	scoped, ok := s.d.Format.(ecosystem.Scopes)
	if !ok {
		return nil
	}
	scope := scoped.Scope(name)
	if scope == "" || scope == p.Name() {
		return nil
	}
	return core.Errorf(core.KindForbidden, "the scope @%s is not yours: only its owner may register a pending trusted publisher for %s", scope, name)
}

// reserved refuses a name that a live pending publisher of another user
// holds.
func (s *Service) reserved(tx store.TrustedPublishers, p authz.Principal, ref core.PackageRef) error {
	tps, err := tx.TrustedPublishersFor(ref)
	if err != nil {
		return err
	}
	now := s.d.Now()
	for _, tp := range tps {
		if tp.Pending() && now.Before(tp.PendingUntil) && (p.User == nil || tp.CreatedBy != p.User.ID) {
			return core.Errorf(core.KindForbidden, "the name %s is reserved for another user's trusted publisher until %s; choose another name",
				ref.Name, tp.PendingUntil.UTC().Format("2006-01-02 15:04 MST"))
		}
	}
	return nil
}

// Add configures trusted publishers for name. If the package does not
// exist, they are pending: the name is reserved to p's user until they
// expire, and the first trusted publish creates it owned by that user.
func (s *Service) Add(ctx context.Context, p authz.Principal, name string, cfgs []Config) ([]View, error) {
	if err := s.d.Format.ValidateName(name); err != nil {
		return nil, err
	}
	if len(cfgs) == 0 {
		return nil, core.Errorf(core.KindInvalid, "send a list of trusted publishers: [{\"type\": %q, \"claims\": {...}}]", strings.Join(s.IssuerNames(), "|"))
	}
	ref := s.ref(name)
	tps := make([]*core.TrustedPublisher, 0, len(cfgs))
	for _, c := range cfgs {
		is, ok := s.issuers[c.Type]
		if !ok {
			return nil, core.Errorf(core.KindInvalid, "this registry trusts the issuers %s; %q is not one of them", strings.Join(s.IssuerNames(), ", "), c.Type)
		}
		flat, err := is.normalize(c.Claims)
		if err != nil {
			return nil, err
		}
		perms := c.Permissions
		if len(perms) == 0 {
			perms = []string{PermCreatePackage}
		}
		for _, pm := range perms {
			if pm != PermCreatePackage && pm != PermCreateStagedPackage {
				return nil, core.Errorf(core.KindInvalid, "unknown permission %q: use %s or %s", pm, PermCreatePackage, PermCreateStagedPackage)
			}
		}
		tps = append(tps, &core.TrustedPublisher{Package: ref, Issuer: c.Type, Claims: flat, Permissions: slices.Compact(slices.Sorted(slices.Values(perms)))})
	}
	if err := authz.Settle(p, func() error {
		return s.d.Store.View(ctx, func(tx store.Tx) error {
			st, err := load(tx, ref)
			if err != nil {
				return err
			}
			return s.decideManage(tx, p, ref, st)
		})
	}); err != nil {
		return nil, err
	}
	now := s.d.Now()
	via, ip := how(p)
	var out []View
	err := s.d.Store.Update(ctx, func(tx store.Tx) error {
		out = nil
		st, err := load(tx, ref)
		if err != nil {
			return err
		}
		if err := s.decideManage(tx, p, ref, st); err != nil {
			return err
		}
		have, err := tx.TrustedPublishersFor(ref)
		if err != nil {
			return err
		}
		if len(have)+len(tps) > limits.MaxTrustedPublishers {
			return core.Errorf(core.KindInvalid, "%s would have more than %d trusted publishers; revoke some first", name, limits.MaxTrustedPublishers)
		}
		notify := []string{p.User.Name}
		if st.pkg != nil {
			notify = core.UserNames(st.maintainers)
		} else {
			mine, err := tx.PendingPublishersBy(p.User.ID)
			if err != nil {
				return err
			}
			live := 0
			for _, tp := range mine {
				if now.Before(tp.PendingUntil) && tp.Package != ref {
					live++
				}
			}
			if live >= limits.MaxPendingPublishers {
				return core.Errorf(core.KindInvalid, "you already have %d pending trusted publishers for other names; publish or revoke those first", live)
			}
		}
		for _, tp := range tps {
			tp.ID, tp.CreatedBy, tp.CreatedAt, tp.PendingUntil = 0, p.User.ID, now, timeIf(st.pkg == nil, now.Add(s.d.PendingExpiry))
			if err := tx.CreateTrustedPublisher(tp); err != nil {
				return err
			}
			if err := tx.AppendEvent(event.TrustAdd{ID: tp.ID, Issuer: tp.Issuer, Claims: claimList(tp.Claims), Pending: tp.Pending(),
				PendingUntil: tp.PendingUntil, Via: via, IP: ip, Notify: notify}.At(now, p.Name(), name)); err != nil {
				return err
			}
			out = append(out, s.view(tp, p.User.Name, now))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.d.Wake()
	return out, nil
}

func timeIf[T any](cond bool, v T) T {
	var zero T
	if cond {
		return v
	}
	return zero
}

// view is a configuration as shown.
func (s *Service) view(tp *core.TrustedPublisher, creator string, now time.Time) View {
	v := View{ID: strconv.FormatInt(tp.ID, 10), Type: tp.Issuer, Claims: unflatten(tp.Claims), Permissions: tp.Permissions,
		CreatedBy: creator, Summary: describe(tp.Issuer, tp.Claims)}
	if tp.Pending() {
		v.Pending, v.PendingUntil, v.Expired = true, tp.PendingUntil.UTC().Format(time.RFC3339), !now.Before(tp.PendingUntil)
	}
	return v
}

// Status is name's trusted publishing, for its owners (and, for a name
// that does not exist, for the user with pending publishers for it).
func (s *Service) Status(ctx context.Context, p authz.Principal, name string) (*Status, error) {
	ref := s.ref(name)
	now := s.d.Now()
	var out *Status
	err := s.d.Store.View(ctx, func(tx store.Tx) error {
		st, err := load(tx, ref)
		if err != nil {
			return err
		}
		if p.User == nil {
			return authz.NotLoggedIn()
		}
		tps, err := tx.TrustedPublishersFor(ref)
		if err != nil {
			return err
		}
		out = &Status{Package: name, Exists: st.pkg != nil}
		if st.pkg != nil {
			if err := authz.Authorize(p, authz.ReadPackage, st.resource()); err != nil {
				return err // a restricted package: the same answer as for no package
			}
			if !st.mayView(p) {
				return core.Errorf(core.KindForbidden, "only the owners of %s may see its trusted publishers", name)
			}
			if p.Token != nil && !authz.PackageMatches(p.Token.Packages, ref) {
				return core.Errorf(core.KindForbidden, "this token (%s) does not cover %s", p.Token.Mask, name)
			}
			if out.TrustedOnly, err = tx.TrustedOnly(ref); err != nil {
				return err
			}
		}
		creators := map[int64]string{}
		for i := range tps {
			tp := &tps[i]
			if st.pkg == nil && tp.CreatedBy != p.User.ID {
				continue // another user's pending publisher: not theirs to see
			}
			if _, ok := creators[tp.CreatedBy]; !ok {
				if u, err := tx.UserByID(tp.CreatedBy); err == nil {
					creators[tp.CreatedBy] = u.Name
				}
			}
			out.Publishers = append(out.Publishers, s.view(tp, creators[tp.CreatedBy], now))
		}
		if st.pkg == nil && len(out.Publishers) == 0 {
			return core.Errorf(core.KindNotFound, "package %s was not found, and you have no pending trusted publisher for it", name)
		}
		return nil
	})
	return out, err
}

// Remove revokes a trusted publisher of name by its id.
func (s *Service) Remove(ctx context.Context, p authz.Principal, name, id string) error {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return core.Errorf(core.KindNotFound, "%s has no trusted publisher with id %q; see `npm trust list %s`", name, id, name)
	}
	ref := s.ref(name)
	decide := func(tx store.Tx) (*core.TrustedPublisher, *pkgState, error) {
		st, err := load(tx, ref)
		if err != nil {
			return nil, nil, err
		}
		if st.pkg != nil {
			if err := authz.Authorize(p, authz.ReadPackage, st.resource()); err != nil {
				return nil, nil, err
			}
		}
		tp, err := tx.TrustedPublisherByID(n)
		if errors.Is(err, core.ErrNotFound) || (err == nil && tp.Package != ref) {
			return nil, nil, core.Errorf(core.KindNotFound, "%s has no trusted publisher with id %q; see `npm trust list %s`", name, id, name)
		}
		if err != nil {
			return nil, nil, err
		}
		if st.pkg != nil {
			return tp, st, authz.Authorize(p, authz.ManageTrust, st.resource())
		}
		if p.User == nil {
			return nil, nil, authz.NotLoggedIn()
		}
		if tp.CreatedBy != p.User.ID {
			return nil, nil, core.Errorf(core.KindNotFound, "%s has no trusted publisher with id %q; see `npm trust list %s`", name, id, name)
		}
		return tp, st, authz.Authorize(p, authz.ManageTrust, authz.Resource{Package: ref, Maintainers: []core.User{*p.User}})
	}
	if err := authz.Settle(p, func() error {
		return s.d.Store.View(ctx, func(tx store.Tx) error { _, _, err := decide(tx); return err })
	}); err != nil {
		return err
	}
	now := s.d.Now()
	via, ip := how(p)
	err = s.d.Store.Update(ctx, func(tx store.Tx) error {
		tp, st, err := decide(tx)
		if err != nil {
			return err
		}
		notify := []string{p.User.Name}
		if st.pkg != nil {
			notify = core.UserNames(st.maintainers)
		}
		if err := tx.DeleteTrustedPublisher(tp.ID); err != nil {
			return err
		}
		return tx.AppendEvent(event.TrustRemove{ID: tp.ID, Issuer: tp.Issuer, Claims: claimList(tp.Claims), Reason: "owner",
			Via: via, IP: ip, Notify: notify}.At(now, p.Name(), name))
	})
	if err != nil {
		return err
	}
	s.d.Wake()
	return nil
}

// SetTrustedOnly turns the package's "publish only through trusted
// publishing" policy on or off: an owner with a fresh second factor.
func (s *Service) SetTrustedOnly(ctx context.Context, p authz.Principal, name string, on bool) error {
	ref := s.ref(name)
	decide := func(tx store.Tx) (*pkgState, error) {
		st, err := load(tx, ref)
		if err != nil {
			return nil, err
		}
		if st.pkg == nil {
			return nil, core.Errorf(core.KindNotFound, "package %s was not found", name)
		}
		if err := authz.Authorize(p, authz.ReadPackage, st.resource()); err != nil {
			return nil, err
		}
		return st, authz.Authorize(p, authz.ManageTrust, st.resource())
	}
	if err := authz.Settle(p, func() error {
		return s.d.Store.View(ctx, func(tx store.Tx) error { _, err := decide(tx); return err })
	}); err != nil {
		return err
	}
	now := s.d.Now()
	via, ip := how(p)
	changed := false
	err := s.d.Store.Update(ctx, func(tx store.Tx) error {
		st, err := decide(tx)
		if err != nil {
			return err
		}
		was, err := tx.TrustedOnly(ref)
		if err != nil || was == on {
			changed = false
			return err
		}
		changed = true
		if err := tx.SetTrustedOnly(ref, on, now); err != nil {
			return err
		}
		return tx.AppendEvent(event.TrustPolicy{TrustedOnly: on, Via: via, IP: ip, Notify: core.UserNames(st.maintainers)}.At(now, p.Name(), name))
	})
	if err == nil && changed {
		s.d.Wake()
	}
	return err
}
