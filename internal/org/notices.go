package org

import (
	"fmt"
	"net/url"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
)

// actedHow is how and whence the actor came, for the personal part of an
// event and the notice.
type actedHow struct{ via, ip string }

func how(p authz.Principal) actedHow {
	h := actedHow{}
	switch {
	case p.Console:
		h.via = "the registry's console"
	case p.Token == nil && p.SessionID != "":
		h.via = "a signed-in browser"
	case p.Token != nil && p.Token.Kind == core.TokenSession:
		h.via = fmt.Sprintf("npm login session (token %s)", p.Token.Mask)
	case p.Token != nil:
		h.via = fmt.Sprintf("API token %s (%q)", p.Token.Mask, p.Token.Name)
	}
	if p.Addr.IsValid() {
		h.ip = p.Addr.Unmap().String()
	}
	return h
}

func eventOrgCreate(name, owner string, h actedHow) event.OrgCreate {
	return event.OrgCreate{Org: name, Owner: owner, Via: h.via, IP: h.ip, Notify: []string{owner}}
}

// OrgURL is the org's page in the web UI.
func (s *Service) OrgURL(name string) string { return s.publicURL + "org/" + url.PathEscape(name) }

// noticesOf is the notifier's Render for the org events: one notice to
// the users the event names (the owners after the change and the user
// affected), saying what changed.
// noticeTypes are the events noticesOf renders: the org notifier's
// declared interest.
var noticeTypes = []string{core.EventOrgCreate, core.EventOrgDelete, core.EventOrgMemberSet, core.EventOrgMemberRemove,
	core.EventTeamCreate, core.EventTeamDelete, core.EventTeamMemberAdd, core.EventTeamMemberRm,
	core.EventTeamGrant, core.EventTeamRevoke}

func (s *Service) noticesOf(e *core.Event) ([]notifier.Notice, error) {
	switch e.Type {
	case core.EventOrgCreate, core.EventOrgDelete, core.EventOrgMemberSet, core.EventOrgMemberRemove,
		core.EventTeamCreate, core.EventTeamDelete, core.EventTeamMemberAdd, core.EventTeamMemberRm,
		core.EventTeamGrant, core.EventTeamRevoke:
	default:
		return nil, nil
	}
	pl, err := event.Parse(e)
	if err != nil {
		return nil, err
	}
	var org, change, via, ip string
	var to []string
	switch p := pl.(type) {
	case event.OrgCreate:
		org, via, ip, to = p.Org, p.Via, p.IP, p.Notify
		change = fmt.Sprintf("the organisation was created with %s as its owner", p.Owner)
	case event.OrgDelete:
		org, via, ip, to = p.Org, p.Via, p.IP, p.Notify
		change = "the organisation was deleted; its name stays held"
	case event.OrgMemberSet:
		org, via, ip, to = p.Org, p.Via, p.IP, p.Notify
		if p.Previous == "" {
			change = fmt.Sprintf("%s was added as %s", p.User, p.Role)
		} else {
			change = fmt.Sprintf("%s's role changed from %s to %s", p.User, p.Previous, p.Role)
		}
	case event.OrgMemberRemove:
		org, via, ip, to = p.Org, p.Via, p.IP, p.Notify
		change = fmt.Sprintf("%s (%s) was removed", p.User, p.Role)
	case event.TeamCreate:
		org, via, ip, to = p.Org, p.Via, p.IP, p.Notify
		change = fmt.Sprintf("the team %s:%s was created", p.Org, p.Team)
	case event.TeamDelete:
		org, via, ip, to = p.Org, p.Via, p.IP, p.Notify
		change = fmt.Sprintf("the team %s:%s was deleted", p.Org, p.Team)
	case event.TeamMemberAdd:
		org, via, ip, to = p.Org, p.Via, p.IP, p.Notify
		change = fmt.Sprintf("%s joined the team %s:%s", p.User, p.Org, p.Team)
	case event.TeamMemberRemove:
		org, via, ip, to = p.Org, p.Via, p.IP, p.Notify
		change = fmt.Sprintf("%s left the team %s:%s", p.User, p.Org, p.Team)
	case event.TeamGrant:
		org, via, ip, to = p.Org, p.Via, p.IP, p.Notify
		change = fmt.Sprintf("the team %s:%s was granted %s on %s", p.Org, p.Team, p.Permission, e.Package)
	case event.TeamRevoke:
		org, via, ip, to = p.Org, p.Via, p.IP, p.Notify
		change = fmt.Sprintf("the team %s:%s lost its %s access to %s", p.Org, p.Team, p.Permission, e.Package)
	}
	if len(to) == 0 {
		return nil, nil
	}
	n := mail.Notice{When: e.At, Org: org, Change: change, Actor: e.Actor, Via: via, IP: ip,
		PackageURL: s.OrgURL(org), SecurityURL: s.publicURL + "account"}
	return []notifier.Notice{{Kind: mail.KindOrgChanged, Notify: to, Notice: n}}, nil
}
