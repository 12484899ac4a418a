package registry

import (
	"bytes"
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/store"
)

// Every change to a package bumps its revision (touch), and the full
// packument carries it as "_rev". npm's read-modify-write commands
// (unpublish, owner, deprecate) send back the revision they read; a
// write from a revision that is no longer current would overwrite what
// happened in between (a version published, an owner added, a
// deprecation), so it is refused, as CouchDB and the npm registry do.

// loadAt is loadPackage that refuses a package no longer at revision rev
// ("" accepts any revision). Whoever may not read the package learns
// nothing from the revision: they get the same not-found as for a name
// that does not exist.
func (s *Service) loadAt(tx packagesCritical, p authz.Principal, name, rev string) (*packageState, error) {
	st, err := loadPackage(tx, s.ref(name))
	if err != nil || rev == "" {
		return st, err
	}
	if err := authz.Authorize(p, authz.ReadPackage, s.readResource(st)); err != nil {
		return nil, err
	}
	if s.rev(st.pkg) != rev {
		return nil, staleRevision(name)
	}
	return st, nil
}

// rev is the revision p's document carries, in its format's spelling
// (npm's "_rev"); "" for a format without revisions, whose clients then
// cannot send a stale one.
func (s *Service) rev(p *core.Package) string {
	if f, ok := s.cfg.Format.(ecosystem.Revisions); ok {
		return f.Rev(p)
	}
	return ""
}

// staleRevision is the refusal npm prints (409) when the package changed
// between the client's read and its write.
func staleRevision(name string) error {
	return core.Errorf(core.KindConflict, "the package %s changed since you read it (another publish, owner change or deprecation came first); nothing was changed, run the command again", name)
}

// metaChange is what a metadata write means once compared with the
// package as it stands (the format's ecosystem.Revisions.Changes): the
// three things npm changes by sending the whole document back.
type metaChange struct {
	ecosystem.RevisionChange
	// docBytes is the size of the package's document before the change.
	docBytes int64
}

func (c *metaChange) empty() bool {
	return len(c.Unpublish) == 0 && len(c.Deprecate) == 0 && c.Maintainers == nil
}

// actions are the authorizations the change needs, one per kind.
func (c *metaChange) actions() []authz.Action {
	var as []authz.Action
	if len(c.Deprecate) > 0 {
		as = append(as, authz.Deprecate)
	}
	if c.Maintainers != nil {
		as = append(as, authz.ChangeOwners)
	}
	if len(c.Unpublish) > 0 {
		as = append(as, authz.Unpublish)
	}
	return as
}

// UpdateMetadata applies a document npm sends back after reading the
// package (PUT /<pkg> from `npm deprecate`, PUT /<pkg>/-rev/<rev> from
// `npm unpublish pkg@ver` and `npm owner add/rm`). The document is never
// stored: it is compared with the package at revision rev, and only what
// it changes is applied, each change under its own authorization, in one
// transaction: versions it no longer lists are unpublished (under the
// unpublish policy), changed "deprecated" fields deprecate, a changed
// "maintainers" list changes owners. Anything else that differs is
// refused, since the registry derives it and could not honour it.
func (s *Service) UpdateMetadata(ctx context.Context, p authz.Principal, name, rev string, sent map[string]any) error {
	if err := s.cfg.Format.ValidateName(name); err != nil && !isLegacyName(name) {
		return err
	}
	if rev == "" {
		return core.Errorf(core.KindInvalid, "the document has no \"_rev\": read the package with ?write=true and send back the revision it carries")
	}
	// The first pass authorizes outside the write lock (and spends a
	// one-time password, if one is needed, in its own write); the
	// transaction below checks everything again from the state it locks.
	var nothing bool
	plans := &metaPlans{}
	if err := authz.Settle(p, func() error {
		return s.store.View(ctx, func(tx store.Tx) error {
			st, c, err := s.planMetadata(tx, p, name, rev, sent, plans)
			if err != nil {
				return err
			}
			nothing = c.empty()
			return authorizeAll(p, c.actions(), st)
		})
	}); err != nil || nothing {
		return err
	}
	now := s.now()
	var unpublished []string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		unpublished = nil
		st, c, err := s.planMetadata(tx, p, name, rev, sent, plans)
		if err != nil {
			return err
		}
		if err := authorizeAll(p, c.actions(), st); err != nil {
			return err
		}
		if len(c.Deprecate) > 0 {
			if err := s.deprecateIn(tx, p, st, c.Deprecate, now); err != nil {
				return err
			}
		}
		if c.Maintainers != nil {
			if err = s.setMaintainersIn(tx, p, st, c.Maintainers, now); err != nil {
				return err
			}
		}
		if len(c.Unpublish) > 0 {
			if _, err := s.unpublishIn(tx, p, st, c.Unpublish, now); err != nil {
				return err
			}
			unpublished = c.Unpublish
		}
		if err := s.touch(tx, st.pkg); err != nil {
			return err
		}
		return s.refreshUpdated(tx, st.pkg, c.docBytes, slices.Sorted(maps.Keys(c.Deprecate)))
	})
	if err != nil {
		return err
	}
	if len(unpublished) > 0 {
		s.log.Info("unpublished", "package", name, "versions", unpublished, "user", p.Name())
	}
	s.notices.Wake() // owners changed by the document are mailed from the outbox
	return nil
}

// authorizeAll decides every action of one change. A refusal of any of
// them wins over another's need for a one-time password, so that the
// code is not spent on a change that is refused anyway.
func authorizeAll(p authz.Principal, as []authz.Action, st *packageState) error {
	var needOTP error
	for _, a := range as {
		err := authz.Authorize(p, a, st.resource())
		if authz.NeedsOTP(err) {
			needOTP = cmp.Or(needOTP, err)
			continue
		}
		if err != nil {
			return err
		}
	}
	return needOTP
}

// planMetadata loads the package at rev and works out what sent changes,
// against the document the client read: at an unchanged revision that is
// exactly the document built from the state in tx.
//
// plans keeps the comparison of the first pass (the preflight outside the
// write lock) for the second (in the write transaction): the document
// sent is the same, so against a byte-identical current document the
// answer is too, and a large document is decoded and compared once.
func (s *Service) planMetadata(tx packagesCriticalUsersDocState, p authz.Principal, name, rev string, sent map[string]any, plans *metaPlans) (*packageState, *metaChange, error) {
	// loadAt authorizes reading first, so that a stranger learns nothing
	// about a restricted package from the comparison's messages.
	st, err := s.loadAt(tx, p, name, rev)
	if err != nil {
		return nil, nil, err
	}
	full, err := s.currentFull(tx, st.pkg)
	if err != nil {
		return nil, nil, err
	}
	if plans.c != nil && bytes.Equal(plans.full, full) {
		return st, plans.c, nil
	}
	f, ok := s.cfg.Format.(ecosystem.Revisions)
	if !ok {
		return nil, nil, core.Errorf(core.KindInvalid, "this registry's %s packages are not changed by writing their document back", s.cfg.Format.Ecosystem())
	}
	rc, err := f.Changes(name, full, sent)
	if err != nil {
		return nil, nil, err
	}
	c := &metaChange{RevisionChange: *rc, docBytes: int64(len(full))}
	plans.full, plans.c = full, c
	return st, c, nil
}

// metaPlans is a revision update's comparison, kept between its passes
// (planMetadata). The change is only read once made.
type metaPlans struct {
	full []byte
	c    *metaChange
}

// currentFull is p's full document as the state in tx makes it: the
// stored one, which is exactly that unless a change made it stale (every
// change marks it stale in its own transaction, and a build is stored
// over the generation it was made from only), so that a revision update
// reads one row instead of building the document. npm reads the document
// (GET ?write=true) right before it sends it back, and that read builds
// a stale one; only a write that came in between costs a build here.
func (s *Service) currentFull(tx packagesCriticalUsersDocState, p *core.Package) ([]byte, error) {
	full, stale, err := tx.StoredFullDocument(p.Name)
	if err == nil && !stale {
		return full, nil
	}
	if err != nil && core.KindOf(err) != core.KindNotFound {
		return nil, err
	}
	doc, err := s.documents.Current(tx, p)
	if err != nil {
		return nil, err
	}
	return doc.Full, nil
}

// refreshUpdated is documents.Refresh after a metadata update, which may
// make the document grow (deprecation messages, owners). It refuses (and
// so rolls back) a change that takes the document past
// limits.document_bytes: npm sends the whole document back for every
// later deprecation, owner change and version unpublish, and a body over
// that limit is refused, so the package could no longer be managed. A
// change that leaves the document smaller than it was is always allowed,
// so that a package already over the limit can be brought back under it.
//
// deprecated are the versions whose messages changed: their fragments are
// rendered now, so that the size is measured with the new messages.
func (s *Service) refreshUpdated(tx packagesUsersDocuments, p *core.Package, before int64, deprecated []string) error {
	if p.Unpublished() {
		return s.documents.Refresh(tx, p)
	}
	if err := s.markVersionsChanged(tx, p, deprecated); err != nil {
		return err
	}
	d, err := s.documents.Size(tx, p)
	if err != nil {
		return err
	}
	if n := d.Bytes; n > s.cfg.Limits.DocumentBytes && n > before {
		return core.Errorf(core.KindTooLarge, "with this change the document of %s would be %s, over this registry's limit of %s for one package (limits.document_bytes); nothing was changed. Use shorter deprecation messages, or deprecate fewer versions",
			p.Name, mib(n), mib(s.cfg.Limits.DocumentBytes))
	}
	return nil
}

// markVersionsChanged marks p's document changed and stores the
// fragments of the versions named (their deprecation changed), so that
// the store's sums measure the new messages (documents.Builder.Size).
func (s *Service) markVersionsChanged(tx packagesUsersDocuments, p *core.Package, versions []string) error {
	changed := make([]*core.Version, 0, len(versions))
	for _, ver := range versions {
		v, err := tx.Version(p.ID, ver)
		if err != nil {
			return err
		}
		changed = append(changed, v)
	}
	return s.documents.MarkChanged(tx, p, changed...)
}
