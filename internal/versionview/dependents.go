package versionview

import (
	"context"
	"sort"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/pkgfacts"
	"github.com/rampart/rampart/internal/store"
)

// Dependents is one page of the packages whose latest version depends on
// name, as p may see them: the public ones, and each restricted one (or
// one of an organisation whose packages are private) that p may read,
// decided as its document is (authz.ReadPackage on its facts). At most
// limit, by name, after the name after; next is where the following page
// starts, "" after the last. Total counts every dependent p may read over
// all pages, and only those: no count or page tells a reader that a
// package it may not read exists.
func (s *Service) Dependents(ctx context.Context, p authz.Principal, name, after string, limit int) (deps []store.Dependent, next string, total int, err error) {
	ref := s.ref(name)
	err = s.store.View(ctx, func(tx store.Tx) error {
		open, err := tx.OpenDependents(ref, after, limit+1, s.OrgPrivate)
		if err != nil {
			return err
		}
		if total, err = tx.CountOpenDependents(ref, s.OrgPrivate); err != nil {
			return err
		}
		guarded, err := tx.GuardedDependents(ref, limits.MaxGuardedDependents, s.OrgPrivate)
		if err != nil {
			return err
		}
		var readable []store.Dependent
		for _, g := range guarded {
			ok, err := s.mayRead(tx, p, g)
			if err != nil {
				return err
			}
			if ok {
				total++
				if g.Name > after {
					readable = append(readable, g.Dependent)
				}
			}
		}
		deps = append(open, readable...)
		sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
		return nil
	})
	if err != nil {
		return nil, "", 0, err
	}
	if len(deps) > limit {
		deps = deps[:limit]
		next = deps[limit-1].Name
	}
	return deps, next, total, nil
}

// mayRead decides whether p may read the guarded dependent g, on its
// package's facts. A restricted package is private to anyone signed out
// whatever its facts say, so an anonymous reader costs no read per
// restricted dependent.
func (s *Service) mayRead(tx store.Tx, p authz.Principal, g store.GuardedDependent) (bool, error) {
	if p.User == nil && p.Publisher == nil && g.Restricted {
		r := authz.Resource{Package: s.ref(g.Name), Restricted: true}
		if authz.Authorize(p, authz.ReadPackage, r) != nil {
			return false, nil
		}
	}
	st, err := pkgfacts.Load(tx, s.ref(g.Name))
	if err != nil {
		if absentErr(err) {
			return false, nil
		}
		return false, err
	}
	r := st.Resource()
	r.OrgPrivate = s.OrgPrivate
	return authz.Authorize(p, authz.ReadPackage, r) == nil, nil
}

// absentErr reports whether err says only that the package is not there.
func absentErr(err error) bool { return core.KindOf(err) == core.KindNotFound }
