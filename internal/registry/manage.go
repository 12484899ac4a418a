package registry

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/store"
)

// change runs f on a loaded, authorized package in a write transaction,
// then bumps the revision and rebuilds the document.
func (s *Service) change(ctx context.Context, p authz.Principal, name string, a authz.Action, f func(tx store.Tx, st *packageState) error) error {
	return s.changeAt(ctx, p, name, "", a, f)
}

// changeAt is change for a client that names the revision it read (npm's
// "/-rev/<rev>"): a package no longer at rev is refused as stale, checked
// in the same write transaction that applies f. rev "" checks nothing.
func (s *Service) changeAt(ctx context.Context, p authz.Principal, name, rev string, a authz.Action, f func(tx store.Tx, st *packageState) error) error {
	if err := s.cfg.Format.ValidateName(name); err != nil && !isLegacyName(name) {
		return err
	}
	// Authorize once before the write transaction: a one-time password,
	// if the action needs one, is spent between this read and the write
	// (it takes a write of its own), and a refusal costs no write lock.
	// The check in the transaction below then sees the settled answer.
	if err := authz.Settle(p, func() error {
		return s.store.View(ctx, func(tx store.Tx) error {
			st, err := s.loadAt(tx, p, name, rev)
			if err != nil {
				return err
			}
			return authz.Authorize(p, a, st.resource())
		})
	}); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		st, err := s.loadAt(tx, p, name, rev)
		if err != nil {
			return err
		}
		if err := authz.Authorize(p, a, st.resource()); err != nil {
			return err
		}
		if err := f(tx, st); err != nil {
			return err
		}
		if err := s.touch(tx, st.pkg); err != nil {
			return err
		}
		return s.documents.Refresh(tx, st.pkg)
	})
}

// isLegacyName lets existing packages with names npm no longer accepts for
// new packages (capitals, say) still be managed. Rampart never creates
// them, but an import may.
func isLegacyName(name string) bool {
	return name != "" && len(name) <= 214 && !strings.ContainsAny(name, " \x00")
}

// Deprecate sets or clears (message "") the deprecation message of versions.
func (s *Service) Deprecate(ctx context.Context, p authz.Principal, name string, messages map[string]string) error {
	if len(messages) == 0 {
		return nil
	}
	now := s.now()
	err := s.change(ctx, p, name, authz.Deprecate, func(tx store.Tx, st *packageState) error {
		if err := s.deprecateIn(tx, p, st, messages, now); err != nil {
			return err
		}
		return s.markVersionsChanged(tx, st.pkg, slices.Sorted(maps.Keys(messages)))
	})
	if err == nil {
		s.notices.Wake()
	}
	return err
}

// deprecateIn applies Deprecate inside a write transaction. It records
// one event per version changed; the last names the maintainers to mail
// and every change, so one request makes one notice (changenotices.go).
func (s *Service) deprecateIn(tx packagesEvents, p authz.Principal, st *packageState, messages map[string]string, now time.Time) error {
	name := st.pkg.Name
	versions := make([]string, 0, len(messages))
	for v := range messages {
		versions = append(versions, v)
	}
	sort.Strings(versions)
	var changed []string
	for _, ver := range versions {
		msg := messages[ver]
		if len(msg) > limits.MaxDeprecationBytes {
			return core.Errorf(core.KindInvalid, "deprecation message for %s is too long (at most %d bytes)", ver, limits.MaxDeprecationBytes)
		}
		v, err := tx.Version(st.pkg.ID, ver)
		if errors.Is(err, core.ErrNotFound) || (err == nil && !core.Servable(v, st.pkg, core.ViewerMaintainer)) {
			return core.Errorf(core.KindNotFound, "%s has no version %s", name, ver)
		}
		if err != nil {
			return err
		}
		if v.Deprecated == msg {
			continue
		}
		v.Deprecated = msg
		if err := tx.UpdateVersion(v); err != nil {
			return err
		}
		changed = append(changed, ver)
	}
	return s.appendDeprecations(tx, p, st, changed, messages, now)
}

// DistTags returns the package's dist-tags.
func (s *Service) DistTags(ctx context.Context, p authz.Principal, name string) (map[string]string, error) {
	var tags map[string]string
	err := s.store.View(ctx, func(tx store.Tx) error {
		st, err := loadPackage(tx, s.ref(name))
		if err != nil {
			return err
		}
		if err := authz.Authorize(p, authz.ReadPackage, s.readResource(st)); err != nil {
			return err
		}
		tags, err = tx.DistTags(st.pkg.ID)
		return err
	})
	return tags, err
}

// SetDistTag points tag at version.
func (s *Service) SetDistTag(ctx context.Context, p authz.Principal, name, tag, version string) error {
	if err := s.cfg.Format.ValidateTag(tag); err != nil {
		return err
	}
	err := s.change(ctx, p, name, authz.SetDistTags, func(tx store.Tx, st *packageState) error {
		v, err := tx.Version(st.pkg.ID, version)
		if errors.Is(err, core.ErrNotFound) || (err == nil && !core.Servable(v, st.pkg, core.ViewerMaintainer)) {
			return core.Errorf(core.KindNotFound, "%s has no version %s to tag", name, version)
		}
		if err != nil {
			return err
		}
		tags, err := tx.DistTags(st.pkg.ID)
		if err != nil {
			return err
		}
		if _, ok := tags[tag]; !ok && len(tags) >= limits.MaxDistTags {
			return core.Errorf(core.KindTooLarge, "%s already has %d dist-tags, the most this registry keeps for one package; remove tags no longer used with `npm dist-tag rm %s <tag>`", name, len(tags), name)
		}
		if tags[tag] == version {
			return nil // nothing moves: no event, no notice
		}
		if err := tx.SetDistTag(st.pkg.ID, tag, version); err != nil {
			return err
		}
		how := s.newNotice(p, name, s.now())
		ev := event.DistTagSet{Tag: tag, From: tags[tag], Via: how.Via, IP: how.IP, Notify: core.UserNames(st.maintainers)}
		return tx.AppendEvent(ev.At(s.now(), p.Name(), name, version))
	})
	if err == nil {
		s.notices.Wake()
	}
	return err
}

// RemoveDistTag deletes a tag; "latest" cannot be removed.
func (s *Service) RemoveDistTag(ctx context.Context, p authz.Principal, name, tag string) error {
	if tag == "latest" {
		return core.Errorf(core.KindInvalid, "the latest tag cannot be removed; point it at another version with `npm dist-tag add %s@<version> latest`", name)
	}
	err := s.change(ctx, p, name, authz.SetDistTags, func(tx store.Tx, st *packageState) error {
		tags, err := tx.DistTags(st.pkg.ID)
		if err != nil {
			return err
		}
		if err := tx.DeleteDistTag(st.pkg.ID, tag); errors.Is(err, core.ErrNotFound) {
			return core.Errorf(core.KindNotFound, "%s has no dist-tag %q", name, tag)
		} else if err != nil {
			return err
		}
		how := s.newNotice(p, name, s.now())
		ev := event.DistTagRemove{Tag: tag, From: tags[tag], Via: how.Via, IP: how.IP, Notify: core.UserNames(st.maintainers)}
		return tx.AppendEvent(ev.At(s.now(), p.Name(), name, ""))
	})
	if err == nil {
		s.notices.Wake()
	}
	return err
}

// SetMaintainers makes names the package's maintainers (npm owner add/rm
// send the whole list). Once the change has committed, every owner is
// mailed of each owner added or removed, the removed one included.
func (s *Service) SetMaintainers(ctx context.Context, p authz.Principal, name string, names []string) error {
	now := s.now()
	err := s.change(ctx, p, name, authz.ChangeOwners, func(tx store.Tx, st *packageState) error {
		return s.setMaintainersIn(tx, p, st, names, now)
	})
	if err != nil {
		return err
	}
	s.notices.Wake()
	return nil
}

// setMaintainersIn applies SetMaintainers inside a write transaction. The
// owners are mailed from the outbox (notices.go): each event names whom
// to tell, and how and from where the change was made.
func (s *Service) setMaintainersIn(tx packagesUsersEvents, p authz.Principal, st *packageState, names []string, now time.Time) error {
	if len(names) == 0 {
		return core.Errorf(core.KindInvalid, "a package must keep at least one maintainer")
	}
	name := st.pkg.Name
	want := map[int64]*core.User{}
	for _, n := range names {
		u, err := tx.UserByName(n)
		if errors.Is(err, core.ErrNotFound) {
			return core.Errorf(core.KindNotFound, "there is no user named %q", n)
		}
		if err != nil {
			return err
		}
		if u.Disabled() {
			return core.Errorf(core.KindInvalid, "user %s is disabled and cannot maintain packages", n)
		}
		want[u.ID] = u
	}
	ids := make([]int64, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	owners := make([]string, 0, len(ids)) // after the change
	for _, id := range ids {
		owners = append(owners, want[id].Name)
	}
	how := s.newNotice(p, name, now)
	have := map[int64]bool{}
	for _, m := range st.maintainers {
		have[m.ID] = true
		if want[m.ID] == nil {
			if err := tx.RemoveMaintainer(st.pkg.ID, m.ID); err != nil {
				return err
			}
			notify := append(slices.Clone(owners), m.Name)
			if err := tx.AppendEvent(event.OwnerRemove{User: m.Name, Via: how.Via, IP: how.IP, Notify: notify}.At(now, p.Name(), name, "")); err != nil {
				return err
			}
		}
	}
	for _, id := range ids {
		if have[id] {
			continue
		}
		if st.org != nil && st.org.Roles[id] == "" {
			// In an org's scope only members act (authz/org.go): a
			// stranger listed as owner would hold no power, so say so.
			return core.Errorf(core.KindForbidden, "%s is not a member of the organisation %s, which owns %s; an owner of %s must add them first (npm org set %s %s)",
				want[id].Name, st.org.Name, name, st.org.Name, st.org.Name, want[id].Name)
		}
		if u := want[id]; !u.EmailVerified {
			return core.Errorf(core.KindForbidden, "%s cannot be added as an owner until they verify their email address: they must follow the link mailed to %s, or request a new one at %saccount",
				u.Name, authz.MaskEmail(u.Email), s.cfg.PublicURL)
		}
		if err := tx.AddMaintainer(st.pkg.ID, id, now); err != nil {
			return err
		}
		if err := tx.AppendEvent(event.OwnerAdd{User: want[id].Name, Via: how.Via, IP: how.IP, Notify: owners}.At(now, p.Name(), name, "")); err != nil {
			return err
		}
	}
	return nil
}

// SetAccess makes a scoped package public or restricted.
func (s *Service) SetAccess(ctx context.Context, p authz.Principal, name, access string) error {
	if access == "private" {
		access = "restricted"
	}
	if access != "public" && access != "restricted" {
		return core.Errorf(core.KindInvalid, "access must be public or restricted, not %q", access)
	}
	if access == "restricted" && !strings.HasPrefix(name, "@") {
		return core.Errorf(core.KindInvalid, "only scoped packages (@scope/name) can be restricted")
	}
	return s.change(ctx, p, name, authz.ChangeAccess, func(tx store.Tx, st *packageState) error {
		if st.pkg.Access == access {
			return nil
		}
		st.pkg.Access = access
		return tx.AppendEvent(event.AccessChange{Access: access}.At(s.now(), p.Name(), name, ""))
	})
}

// unpublishAllowed applies the unpublish policy (docs/policies/unpublish.md)
// to one version.
func (s *Service) unpublishAllowed(tx store.Packages, pkg *core.Package, v *core.Version, dependents int, weekly int64) error {
	age := s.now().Sub(v.PublishedAt)
	if age < s.cfg.UnpublishWindow {
		return nil
	}
	var why []string
	if dependents > 0 {
		why = append(why, fmt.Sprintf("%d other package(s) on this registry depend on it", dependents))
	}
	if weekly >= s.cfg.MaxWeeklyDownloads {
		why = append(why, fmt.Sprintf("it was downloaded %d times in the last 7 days (the limit is %d)", weekly, s.cfg.MaxWeeklyDownloads))
	}
	if len(why) == 0 {
		return nil
	}
	return core.Errorf(core.KindForbidden, "cannot unpublish %s@%s: it was published more than %d hours ago and %s. Deprecate it instead: npm deprecate %s@%s \"<message>\". See %s-/policies/unpublish",
		pkg.Name, v.Version, int(s.cfg.UnpublishWindow.Hours()), strings.Join(why, " and "), pkg.Name, v.Version, s.cfg.PublicURL)
}

// policyInputs are the package-wide facts the unpublish policy weighs.
func (s *Service) policyInputs(tx packagesDownloads, pkg *core.Package) (int, int64, error) {
	deps, err := tx.Dependents(pkg.Name)
	if err != nil {
		return 0, 0, err
	}
	weekly, err := tx.DownloadsSince(pkg.ID, s.now().Add(-7*24*time.Hour))
	if err != nil {
		return 0, 0, err
	}
	return deps, weekly + s.downloads.Pending(pkg.ID), nil
}

// UnpublishVersions unpublishes the given live versions. If none would
// remain, the whole package is unpublished and its name held.
func (s *Service) UnpublishVersions(ctx context.Context, p authz.Principal, name string, versions []string) error {
	return s.UnpublishVersionsAt(ctx, p, name, "", versions)
}

// UnpublishVersionsAt is UnpublishVersions for a client that read the
// package at revision rev ("" checks none): a version published since
// must not be unpublished by a command that never saw it.
func (s *Service) UnpublishVersionsAt(ctx context.Context, p authz.Principal, name, rev string, versions []string) error {
	if len(versions) == 0 {
		return nil
	}
	now := s.now()
	var all bool
	err := s.changeAt(ctx, p, name, rev, authz.Unpublish, func(tx store.Tx, st *packageState) error {
		var err error
		all, err = s.unpublishIn(tx, p, st, versions, now)
		return err
	})
	if err == nil {
		s.log.Info("unpublished", "package", name, "versions", versions, "whole_package", all, "user", p.Name())
		s.notices.Wake()
	}
	return err
}

// unpublishIn applies the unpublish policy to versions and unpublishes
// them inside a write transaction; it reports whether that took the
// whole package.
func (s *Service) unpublishIn(tx packagesDownloadsEvents, p authz.Principal, st *packageState, versions []string, now time.Time) (bool, error) {
	versions = slices.Compact(slices.Sorted(slices.Values(versions))) // a version named twice must not count twice towards "all"
	name := st.pkg.Name
	live, err := liveVersions(tx, st.pkg.ID)
	if err != nil {
		return false, err
	}
	deps, weekly, err := s.policyInputs(tx, st.pkg)
	if err != nil {
		return false, err
	}
	for _, ver := range versions {
		v := live[ver]
		if v == nil {
			return false, core.Errorf(core.KindNotFound, "%s has no version %s to unpublish", name, ver)
		}
		if err := s.unpublishAllowed(tx, st.pkg, v, deps, weekly); err != nil {
			return false, err
		}
	}
	if len(versions) >= len(live) {
		return true, s.unpublishAll(tx, p, st, live, now)
	}
	how := s.newNotice(p, name, now)
	for i, ver := range versions {
		v := live[ver]
		v.UnpublishedAt = now
		if err := tx.UpdateVersion(v); err != nil {
			return false, err
		}
		delete(live, ver)
		ev := event.Unpublish{Integrity: v.Integrity}
		if i == len(versions)-1 { // the request's one notice (changenotices.go)
			ev.Via, ev.IP, ev.Notify, ev.Versions = how.Via, how.IP, core.UserNames(st.maintainers), versions
		}
		if err := tx.AppendEvent(ev.At(now, p.Name(), name, ver)); err != nil {
			return false, err
		}
	}
	return false, s.retag(tx, st.pkg, live)
}

// UnpublishPackage unpublishes every version and holds the name.
func (s *Service) UnpublishPackage(ctx context.Context, p authz.Principal, name string) error {
	return s.UnpublishPackageAt(ctx, p, name, "")
}

// UnpublishPackageAt is UnpublishPackage for a client that read the
// package at revision rev ("" checks none). The versions are listed in
// the write transaction itself, so a version published after the client
// read the package is never unpublished without being seen: with rev the
// request is refused as stale, without it the new version goes too, as
// "the whole package" says.
func (s *Service) UnpublishPackageAt(ctx context.Context, p authz.Principal, name, rev string) error {
	now := s.now()
	var versions []string
	err := s.changeAt(ctx, p, name, rev, authz.Unpublish, func(tx store.Tx, st *packageState) error {
		live, err := liveVersions(tx, st.pkg.ID)
		if err != nil {
			return err
		}
		versions = slices.Sorted(maps.Keys(live))
		if len(versions) == 0 {
			return s.unpublishAll(tx, p, st, nil, now) // a package with no live versions: unpublish it anyway
		}
		_, err = s.unpublishIn(tx, p, st, versions, now)
		return err
	})
	if err == nil {
		s.log.Info("unpublished", "package", name, "versions", versions, "whole_package", true, "user", p.Name())
		s.notices.Wake()
	}
	return err
}

func (s *Service) unpublishAll(tx packagesEvents, p authz.Principal, st *packageState, live map[string]*core.Version, now time.Time) error {
	pkg := st.pkg
	names := make([]string, 0, len(live))
	for ver, v := range live {
		v.UnpublishedAt = now
		if err := tx.UpdateVersion(v); err != nil {
			return err
		}
		names = append(names, ver)
	}
	sort.Strings(names)
	tags, err := tx.DistTags(pkg.ID)
	if err != nil {
		return err
	}
	for t := range tags {
		if err := tx.DeleteDistTag(pkg.ID, t); err != nil {
			return err
		}
	}
	pkg.UnpublishedAt = now
	how := s.newNotice(p, pkg.Name, now)
	ev := event.UnpublishAll{Versions: names, Via: how.Via, IP: how.IP, Notify: core.UserNames(st.maintainers)}
	return tx.AppendEvent(ev.At(now, p.Name(), pkg.Name, ""))
}

// retag drops dist-tags that point at versions no longer live and points
// latest at the highest remaining release.
func (s *Service) retag(tx store.Packages, pkg *core.Package, live map[string]*core.Version) error {
	tags, err := tx.DistTags(pkg.ID)
	if err != nil {
		return err
	}
	for t, v := range tags {
		if live[v] == nil {
			if err := tx.DeleteDistTag(pkg.ID, t); err != nil {
				return err
			}
			delete(tags, t)
		}
	}
	if _, ok := tags["latest"]; !ok {
		if v := s.cfg.Format.Highest(slices.Collect(maps.Keys(live))); v != "" {
			return tx.SetDistTag(pkg.ID, "latest", v)
		}
	}
	return nil
}

func liveVersions(tx store.Packages, pkgID int64) (map[string]*core.Version, error) {
	all, err := tx.Versions(pkgID)
	if err != nil {
		return nil, err
	}
	live := map[string]*core.Version{}
	for i := range all {
		// What its maintainers see is what they manage (core.Servable).
		if core.Servable(&all[i], nil, core.ViewerMaintainer) {
			live[all[i].Version] = &all[i]
		}
	}
	return live, nil
}

// ReleaseName lets an administrator free a tombstoned name for anyone.
func (s *Service) ReleaseName(ctx context.Context, p authz.Principal, name string) error {
	if err := authz.Settle(p, func() error { return authz.Authorize(p, authz.AdminNames, authz.Resource{Package: s.ref(name)}) }); err != nil {
		return err
	}
	now := s.now()
	return s.store.Update(ctx, func(tx store.Tx) error {
		pkg, err := tx.PackageByRef(s.ref(name))
		if errors.Is(err, core.ErrNotFound) {
			return core.Errorf(core.KindNotFound, "there is no package named %s", name)
		}
		if err != nil {
			return err
		}
		if !pkg.Tombstoned() {
			return core.Errorf(core.KindConflict, "%s is not a held name: only the names of unpublished packages can be released", name)
		}
		pkg.NameReleasedAt = now
		if err := s.touch(tx, pkg); err != nil {
			return err
		}
		return tx.AppendEvent(event.NameRelease{}.At(now, p.Name(), name, ""))
	})
}

// compareVersions orders two semver strings; invalid ones sort first.
func compareVersions(a, b string) int {
	va, errA := semver.StrictNewVersion(a)
	vb, errB := semver.StrictNewVersion(b)
	switch {
	case errA != nil && errB != nil:
		return strings.Compare(a, b)
	case errA != nil:
		return -1
	case errB != nil:
		return 1
	}
	return va.Compare(vb)
}
