package registry

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"

	"github.com/rampart/rampart/internal/quote"

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
// package as it stands: the three things npm changes by sending the
// whole document back.
type metaChange struct {
	unpublish   []string          // live versions the document no longer lists
	deprecate   map[string]string // version -> new message ("" clears)
	maintainers []string          // the new owner list; nil if unchanged
	// docBytes is the size of the package's document before the change.
	docBytes int64
}

func (c *metaChange) empty() bool {
	return len(c.unpublish) == 0 && len(c.deprecate) == 0 && c.maintainers == nil
}

// actions are the authorizations the change needs, one per kind.
func (c *metaChange) actions() []authz.Action {
	var as []authz.Action
	if len(c.deprecate) > 0 {
		as = append(as, authz.Deprecate)
	}
	if c.maintainers != nil {
		as = append(as, authz.ChangeOwners)
	}
	if len(c.unpublish) > 0 {
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
		if len(c.deprecate) > 0 {
			if err := s.deprecateIn(tx, p, st, c.deprecate, now); err != nil {
				return err
			}
		}
		if c.maintainers != nil {
			if err = s.setMaintainersIn(tx, p, st, c.maintainers, now); err != nil {
				return err
			}
		}
		if len(c.unpublish) > 0 {
			if _, err := s.unpublishIn(tx, p, st, c.unpublish, now); err != nil {
				return err
			}
			unpublished = c.unpublish
		}
		if err := s.touch(tx, st.pkg); err != nil {
			return err
		}
		return s.refreshUpdated(tx, st.pkg, c.docBytes, slices.Sorted(maps.Keys(c.deprecate)))
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
	var cur map[string]any
	if err := json.Unmarshal(full, &cur); err != nil {
		return nil, nil, fmt.Errorf("reading back the document of %s: %w", name, err)
	}
	c, err := diffDocument(name, cur, sent)
	if c != nil {
		c.docBytes = int64(len(full))
		plans.full, plans.c = full, c
	}
	return st, c, err
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

// topLevelHandled are the top-level fields diffDocument interprets; any
// other field must be absent or as the registry serves it.
var topLevelHandled = map[string]bool{
	"_id": true, "_rev": true, "name": true, "versions": true, "maintainers": true, "dist-tags": true,
	// npm's unpublish deletes these two before sending; CouchDB
	// bookkeeping the registry never serves.
	"_revisions": true, "_attachments": true,
}

// diffDocument compares the document a client sent with the current one
// (both as decoded JSON) and returns what the client changed. A field the
// client left out is unchanged, except a version missing from "versions",
// which npm's unpublish removes on purpose.
func diffDocument(name string, cur, sent map[string]any) (*metaChange, error) {
	for _, f := range []string{"_id", "name"} {
		if v, ok := sent[f]; ok && v != name {
			return nil, core.Errorf(core.KindInvalid, "the document's %q is %s, but the request is for %s", f, quote.Untrusted(fmt.Sprint(v)), name)
		}
	}
	if a, ok := sent["_attachments"].(map[string]any); ok && len(a) > 0 {
		return nil, core.Errorf(core.KindInvalid, "a revision update cannot carry attachments; publish new versions with `npm publish`")
	}
	c := &metaChange{deprecate: map[string]string{}}
	if err := diffVersions(name, cur, sent, c); err != nil {
		return nil, err
	}
	if err := diffMaintainers(cur, sent, c); err != nil {
		return nil, err
	}
	if err := diffDistTags(cur, sent, c); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(sent))
	for k := range sent {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if topLevelHandled[k] {
			continue
		}
		if cv, ok := cur[k]; ok && reflect.DeepEqual(cv, sent[k]) || !ok && isEmptyJSON(sent[k]) {
			continue
		}
		return nil, unsupportedChange(fmt.Sprintf("the field %q", k))
	}
	return c, nil
}

func unsupportedChange(what string) error {
	return core.Errorf(core.KindInvalid, "%s differs from the registry's copy, and this request can only unpublish versions (`npm unpublish`), change owners (`npm owner`) or deprecate (`npm deprecate`); "+
		"dist-tags change with `npm dist-tag`, everything else with a new version. Nothing was changed", what)
}

// versionOwned are per-version fields the registry fills in itself and
// that may change without a new revision (a publisher's address); what a
// client sends back for them is ignored.
var versionOwned = map[string]bool{"_npmUser": true}

func diffVersions(name string, cur, sent map[string]any, c *metaChange) error {
	raw, ok := sent["versions"]
	if !ok {
		return nil
	}
	sv, ok := raw.(map[string]any)
	if !ok {
		return core.Errorf(core.KindInvalid, "the document's \"versions\" must be an object of version manifests")
	}
	cv, _ := cur["versions"].(map[string]any)
	for _, v := range slices.Sorted(maps.Keys(sv)) {
		if _, ok := cv[v]; !ok {
			return core.Errorf(core.KindInvalid, "the document lists version %s, which %s does not have; publish new versions with `npm publish`. Nothing was changed", quote.Untrusted(v), name)
		}
	}
	for _, v := range slices.Sorted(maps.Keys(cv)) {
		sm, ok := sv[v]
		if !ok {
			c.unpublish = append(c.unpublish, v)
			continue
		}
		m, ok := sm.(map[string]any)
		if !ok {
			return core.Errorf(core.KindInvalid, "the document's version %s must be an object", v)
		}
		cm, _ := cv[v].(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if k == "deprecated" || versionOwned[k] || reflect.DeepEqual(m[k], cm[k]) {
				continue
			}
			return unsupportedChange(fmt.Sprintf("the field %q of version %s", k, v))
		}
		d, ok := m["deprecated"]
		if !ok {
			continue
		}
		msg, isString := d.(string)
		if !isString && d != nil {
			return core.Errorf(core.KindInvalid, "the \"deprecated\" field of version %s must be a string (\"\" to undeprecate)", v)
		}
		was, _ := cm["deprecated"].(string)
		if msg != was {
			c.deprecate[v] = msg
		}
	}
	return nil
}

func diffMaintainers(cur, sent map[string]any, c *metaChange) error {
	raw, ok := sent["maintainers"]
	if !ok {
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		return core.Errorf(core.KindInvalid, "the document's \"maintainers\" must be a list of {\"name\": ...} objects")
	}
	names := make([]string, 0, len(list))
	for _, m := range list {
		// Two-value assertions: an entry that is not an object (a bare
		// name, a number) is bad input to answer, not a panic.
		entry, _ := m.(map[string]any)
		n, _ := entry["name"].(string)
		if n == "" {
			return core.Errorf(core.KindInvalid, "every entry of \"maintainers\" needs a \"name\"")
		}
		names = append(names, n)
	}
	var have []string
	cl, _ := cur["maintainers"].([]any)
	for _, m := range cl {
		entry, _ := m.(map[string]any)
		n, _ := entry["name"].(string)
		have = append(have, n)
	}
	want := slices.Compact(slices.Sorted(slices.Values(names)))
	if !slices.Equal(want, slices.Sorted(slices.Values(have))) {
		c.maintainers = want
		if len(want) == 0 {
			c.maintainers = []string{} // "nobody", which setMaintainersIn refuses
		}
	}
	return nil
}

// diffDistTags accepts only what an unpublish does to dist-tags: tags of
// the versions it removes may go or move (npm points "latest" at the
// highest remaining version; the registry retags the same way itself).
func diffDistTags(cur, sent map[string]any, c *metaChange) error {
	raw, ok := sent["dist-tags"]
	if !ok {
		return nil
	}
	st, ok := raw.(map[string]any)
	if !ok {
		return core.Errorf(core.KindInvalid, "the document's \"dist-tags\" must be an object")
	}
	ct, _ := cur["dist-tags"].(map[string]any)
	gone := map[string]bool{}
	for _, v := range c.unpublish {
		gone[v] = true
	}
	for _, tag := range slices.Sorted(maps.Keys(st)) {
		was, existed := ct[tag].(string)
		if existed && gone[was] || reflect.DeepEqual(st[tag], ct[tag]) {
			continue
		}
		return unsupportedChange(fmt.Sprintf("the dist-tag %q", tag))
	}
	for _, tag := range slices.Sorted(maps.Keys(ct)) {
		if was, _ := ct[tag].(string); st[tag] == nil && !gone[was] {
			return unsupportedChange(fmt.Sprintf("the dist-tag %q", tag))
		}
	}
	return nil
}

// isEmptyJSON reports a value that says nothing: null, "", {} or [].
func isEmptyJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}
