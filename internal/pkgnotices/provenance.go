package pkgnotices

import (
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
)

// provenanceNotices are the owners' notices of a provenance event: a
// policy change, or a publish refused for breaking continuity.
func (r Renderer) provenanceNotices(e *core.Event, p event.Payload) []notifier.Notice {
	n := mail.Notice{When: e.At, Package: e.Package, Version: e.Version, Actor: e.Actor,
		PackageURL: r.packageURL(e.Package), SecurityURL: r.PublicURL + pathAccount}
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
