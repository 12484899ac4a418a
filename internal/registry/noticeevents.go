package registry

import (
	"github.com/rampart/rampart/internal/notifier"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/pkgnotices"
)

// The package notices are rendered from the outbox's events by
// internal/pkgnotices; this file is the registry's side of them: what its
// events say of how the actor signed in, and the notifier's loop.

// newNotice fills what every package event says of the change for its
// notice: the package, who acted and how they were signed in (Via), from
// where (IP) and when.
func (s *Service) newNotice(p authz.Principal, name string, now time.Time) mail.Notice {
	via, ip := pkgnotices.Signed(p)
	return mail.Notice{When: now, Package: name, Actor: p.Name(), Via: via, IP: ip}
}

// appendDeprecations records the events of one request's deprecation
// changes (versions in order, messages by version). Only the last names
// the maintainers and lists every change, so that one request makes one
// notice (pkgnotices/changenotices.go).
func (s *Service) appendDeprecations(tx packagesEvents, p authz.Principal, st *packageState, versions []string, messages map[string]string, now time.Time) error {
	for i, ver := range versions {
		ev := event.Deprecate{Message: messages[ver]}
		if i == len(versions)-1 {
			how := s.newNotice(p, st.pkg.Name, now)
			ev.Via, ev.IP, ev.Notify, ev.Versions = how.Via, how.IP, core.UserNames(st.maintainers), versions
			ev.Messages = make([]string, len(versions))
			for j, v := range versions {
				ev.Messages[j] = messages[v]
			}
		}
		if err := tx.AppendEvent(ev.At(now, p.Name(), st.pkg.Name, ver)); err != nil {
			return err
		}
	}
	return nil
}

// Notices is the package notifier, a subscriber the composition root adds
// to the outbox's one dispatcher (notifier.Dispatcher).
func (s *Service) Notices() *notifier.Notifier { return s.notices }
