package pkgnotices

import (
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
)

// The maintainers' notices of changes to a package's versions:
// unpublish, deprecation, dist-tags, quarantine and release. Each event
// at schema 2 names in its personal part whom to tell (the maintainers
// at the time) and how and whence the actor signed in; a schema-1
// event, or one that names nobody, warrants no mail.
//
// Mail volume: a request that changes many versions (`npm deprecate
// pkg@"<2"`, an unpublish of several versions) records one event per
// version, as before, so the public log still says what happened to each
// version; only the request's last event names the recipients and lists
// every change, so each maintainer gets one mail per request.

// actorRegistry names the actor of a change the registry made itself
// (a scan's quarantine) in its notice.
const actorRegistry = "the registry itself (automatic)"

// isChangeNotice reports whether events of typ may warrant a change
// notice.
func isChangeNotice(typ string) bool {
	switch typ {
	case core.EventUnpublish, core.EventUnpublishAll, core.EventDeprecate,
		core.EventDistTagSet, core.EventDistTagRemove,
		core.EventQuarantine, core.EventQuarantineRelease:
		return true
	}
	return false
}

// changeNotices renders the notice of a change event, if it warrants one.
func (r Renderer) changeNotices(e *core.Event, p event.Payload) []notifier.Notice {
	n := mail.Notice{
		When: e.At, Package: e.Package, Actor: e.Actor,
		PackageURL: r.packageURL(e.Package), SecurityURL: r.PublicURL + pathAccount,
	}
	var kind string
	var notify []string
	switch p := p.(type) {
	case event.Unpublish:
		kind, notify, n.Via, n.IP = mail.KindPackageUnpublished, p.Notify, p.Via, p.IP
		n.Versions = p.Versions
		if len(n.Versions) == 0 {
			n.Versions = []string{e.Version}
		}
	case event.UnpublishAll:
		kind, notify, n.Via, n.IP = mail.KindPackageUnpublished, p.Notify, p.Via, p.IP
		n.Versions, n.WholePackage = p.Versions, true
	case event.Deprecate:
		kind, notify, n.Via, n.IP = mail.KindPackageDeprecated, p.Notify, p.Via, p.IP
		n.Deprecations = groupDeprecations(p.Versions, p.Messages)
		if len(n.Deprecations) == 0 {
			n.Deprecations = []mail.Deprecation{{Message: p.Message, Versions: []string{e.Version}}}
		}
	case event.DistTagSet:
		kind, notify, n.Via, n.IP = mail.KindDistTagChanged, p.Notify, p.Via, p.IP
		n.Tag, n.Version, n.FromVersion = p.Tag, e.Version, p.From
	case event.DistTagRemove:
		kind, notify, n.Via, n.IP = mail.KindDistTagChanged, p.Notify, p.Via, p.IP
		n.Tag, n.FromVersion = p.Tag, p.From
		if n.FromVersion == "" {
			n.FromVersion = "(unknown)"
		}
	case event.Quarantine:
		kind, notify, n.Via, n.IP = mail.KindPackageQuarantined, p.Notify, p.Via, p.IP
		n.Version, n.Reason = e.Version, p.Reason
	case event.QuarantineRelease:
		kind, notify, n.Via, n.IP = mail.KindPackageReleased, p.Notify, p.Via, p.IP
		n.Version, n.Reason = e.Version, p.Reason
	}
	if kind == "" || len(notify) == 0 {
		return nil
	}
	if n.Actor == "" {
		n.Actor = actorRegistry
	}
	return []notifier.Notice{{Kind: kind, Notify: notify, Notice: n}}
}

// groupDeprecations groups a request's changes by message, in the order
// each message first appears.
func groupDeprecations(versions, messages []string) []mail.Deprecation {
	if len(versions) != len(messages) {
		return nil
	}
	var out []mail.Deprecation
	at := map[string]int{}
	for i, v := range versions {
		j, ok := at[messages[i]]
		if !ok {
			j = len(out)
			at[messages[i]] = j
			out = append(out, mail.Deprecation{Message: messages[i]})
		}
		out[j].Versions = append(out[j].Versions, v)
	}
	return out
}
