// Package pkgnotices renders the package events of the outbox as the
// mail internal/notifier sends: the maintainers' notices of a publish,
// of changes to versions (unpublish, deprecation, dist-tags, quarantine
// and release), of a critical designation or of becoming critical by
// downloads, of provenance policy changes and refusals, and the owners'
// notices of owners added and removed. Every fact comes from the event
// (its personal part names whom to tell, and how and whence the actor
// signed in); a schema-1 event, or one that names nobody, warrants no
// mail. It reads no store and sends nothing itself.
package pkgnotices

import (
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
)

// Cursor is the store.Meta key of the package notices' outbox cursor
// (migration 0025 sets it for an existing registry).
const Cursor = "notices.packages"

// Types are the events Render renders: the package notifier's declared
// interest (notifier.Notifier.Types).
var Types = []string{core.EventOwnerAdd, core.EventOwnerRemove, core.EventPublish, core.EventCriticalChange,
	core.EventProvenancePolicy, core.EventProvenanceRefused,
	core.EventUnpublish, core.EventUnpublishAll, core.EventDeprecate, core.EventDistTagSet, core.EventDistTagRemove,
	core.EventQuarantine, core.EventQuarantineRelease}

// Renderer renders package events as notices whose links start at
// PublicURL.
type Renderer struct {
	// PublicURL is the registry's base URL, ending in "/".
	PublicURL string
}

// Render is the notifier's Render for package events: the owners'
// notices of owner.add and owner.remove, and the maintainers' notice of
// a publish and of an administrator's designation of a critical package,
// and of the changes to versions in changenotices.go (schema 2 and later; a schema-1 event names nobody to tell, and
// warrants none), and the owners' notices of provenance events
// (provenance.go).
func (r Renderer) Render(e *core.Event) ([]notifier.Notice, error) {
	switch e.Type {
	case core.EventOwnerAdd, core.EventOwnerRemove, core.EventPublish, core.EventCriticalChange:
	case core.EventProvenancePolicy, core.EventProvenanceRefused:
	default:
		if !isChangeNotice(e.Type) {
			return nil, nil
		}
	}
	p, err := event.Parse(e)
	if err != nil {
		return nil, err
	}
	if isChangeNotice(e.Type) {
		return r.changeNotices(e, p), nil
	}
	if p, ok := p.(event.CriticalChange); ok {
		return r.criticalNotices(e, p), nil
	}
	if ns := r.provenanceNotices(e, p); ns != nil {
		return ns, nil
	}
	n := mail.Notice{
		When: e.At, Package: e.Package, Actor: e.Actor,
		PackageURL: r.packageURL(e.Package), SecurityURL: r.PublicURL + pathAccount,
	}
	switch p := p.(type) {
	case event.OwnerAdd:
		n.Owner, n.Via, n.IP = p.User, p.Via, p.IP
		return []notifier.Notice{{Kind: mail.KindOwnerAdded, Notify: p.Notify, Notice: n}}, nil
	case event.OwnerRemove:
		n.Owner, n.Via, n.IP = p.User, p.Via, p.IP
		return []notifier.Notice{{Kind: mail.KindOwnerRemoved, Notify: p.Notify, Notice: n}}, nil
	case event.Publish:
		n.Version, n.Via, n.IP = e.Version, p.Via, p.IP
		return []notifier.Notice{{Kind: mail.KindPackagePublished, Notify: p.Notify, Notice: n}}, nil
	}
	return nil, nil
}

// Why a package is critical, in its notice.
const (
	reasonDesignated = "designated critical by the registry's administrators"
	reasonDownloads  = "among the most downloaded packages of this registry"
)

// criticalNotices are the notices of a critical change: to the
// maintainers of a package an administrator designated (at once: the
// mail names no grace period), or of each package that became critical
// by its downloads (naming the end of the grace period, if any).
func (r Renderer) criticalNotices(e *core.Event, p event.CriticalChange) []notifier.Notice {
	notice := func(pkg, reason string, notify []string) notifier.Notice {
		n := mail.Notice{When: e.At, Package: pkg, Reason: reason, PackageURL: r.packageURL(pkg),
			SecurityURL: r.PublicURL + PathSecurityKeys}
		return notifier.Notice{Kind: mail.KindPackageCritical, Notify: notify, Notice: n}
	}
	if e.Package != "" {
		if !p.Designated || len(p.Notify) == 0 {
			return nil
		}
		return []notifier.Notice{notice(e.Package, reasonDesignated, p.Notify)}
	}
	byPkg := map[string][]string{}
	for _, r := range p.Recipients {
		if pkg, user, ok := strings.Cut(r, " "); ok {
			byPkg[pkg] = append(byPkg[pkg], user)
		}
	}
	var out []notifier.Notice
	for _, pkg := range p.BecameCritical {
		if len(byPkg[pkg]) == 0 {
			continue
		}
		nt := notice(pkg, reasonDownloads, byPkg[pkg])
		if p.KeyRequiredFrom.After(e.At) {
			nt.Notice.KeyRequiredFrom = p.KeyRequiredFrom
		}
		out = append(out, nt)
	}
	return out
}
