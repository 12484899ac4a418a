package quarantine

import (
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
)

// The moderation notices, mailed from the outbox (cursor
// notices.moderation): the staff's alert of a version the scan held
// (event.Quarantine with Staff), and the maintainers' notices of a
// confirmation, removal and restoration. A moderator's hold and release
// are mailed to the maintainers by the package notices
// (registry/changenotices.go), from the same events.

const (
	pathPackage = "package/"
	pathAccount = "account"
)

// noticesOf renders the notices of one event.
func (s *Service) noticesOf(e *core.Event) ([]notifier.Notice, error) {
	switch e.Type {
	case core.EventQuarantine, core.EventVersionConfirmMalicious, core.EventVersionRemove, core.EventVersionRestore:
	default:
		return nil, nil
	}
	p, err := event.Parse(e)
	if err != nil {
		return nil, err
	}
	n := mail.Notice{When: e.At, Package: e.Package, Version: e.Version, Actor: e.Actor,
		PackageURL: s.packageURL(e.Package), SecurityURL: s.cfg.PublicURL + pathAccount}
	var kind string
	var notify []string
	switch p := p.(type) {
	case event.Quarantine:
		if len(p.Staff) == 0 {
			return nil, nil
		}
		kind, notify, n.Reason = mail.KindModerationHold, p.Staff, p.Reason
		n.ActionURL = s.VersionURL(e.Package, e.Version)
		n.PackageURL = ""
	case event.ConfirmMalicious:
		kind, notify, n.Via, n.IP = mail.KindPackageUnpublished, p.Notify, p.Via, p.IP
		n.Versions = []string{e.Version}
	case event.VersionRemove:
		kind, notify, n.Via, n.IP, n.Reason = mail.KindPackageRemoved, p.Notify, p.Via, p.IP, p.Reason
	case event.VersionRestore:
		kind, notify, n.Via, n.IP, n.Reason = mail.KindPackageRestored, p.Notify, p.Via, p.IP, p.Reason
	}
	if kind == "" || len(notify) == 0 {
		return nil, nil
	}
	return []notifier.Notice{{Kind: kind, Notify: notify, Notice: n}}, nil
}

func (s *Service) packageURL(name string) string {
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return s.cfg.PublicURL + pathPackage + strings.Join(segs, "/")
}
