package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// The org events: At takes the time and the actor; a team's grant also
// names the package. Each names the org; Via and IP say how and whence
// the actor came, and Notify whom the outbox mails: the org's owners
// after the change and the user affected (internal/org's notices).

// OrgCreate: an organisation was created, with its first owner (EventOrgCreate).
type OrgCreate struct {
	Org    string   `event:"org"`
	Owner  string   `event:"owner"`
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"`
}

// OrgDelete: an organisation was deleted; its name stays held (EventOrgDelete).
type OrgDelete struct {
	Org    string   `event:"org"`
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"`
}

// OrgMemberSet: a member was added with a role, or their role changed
// from Previous ("" for a new member) (EventOrgMemberSet).
type OrgMemberSet struct {
	Org      string   `event:"org"`
	User     string   `event:"user"`
	Role     string   `event:"role"`
	Previous string   `event:"previous"`
	Via      string   `event:"via,personal"`
	IP       string   `event:"ip,personal"`
	Notify   []string `event:"notify,personal"`
}

// OrgMemberRemove: a member left or was removed, with their teams; as
// maintainer of the org's packages they lose every power with it
// (authz/org.go) (EventOrgMemberRemove).
type OrgMemberRemove struct {
	Org    string   `event:"org"`
	User   string   `event:"user"`
	Role   string   `event:"role"`
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"`
}

// TeamCreate: a team was created (EventTeamCreate).
type TeamCreate struct {
	Org    string   `event:"org"`
	Team   string   `event:"team"`
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"`
}

// TeamDelete: a team was destroyed, with its members and grants (EventTeamDelete).
type TeamDelete struct {
	Org    string   `event:"org"`
	Team   string   `event:"team"`
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"`
}

// TeamMemberAdd: a member joined a team (EventTeamMemberAdd).
type TeamMemberAdd struct {
	Org    string   `event:"org"`
	Team   string   `event:"team"`
	User   string   `event:"user"`
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"`
}

// TeamMemberRemove: a member left a team (EventTeamMemberRm).
type TeamMemberRemove struct {
	Org    string   `event:"org"`
	Team   string   `event:"team"`
	User   string   `event:"user"`
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"`
}

// TeamGrant: a team was granted the event's package, or its permission
// changed from Previous ("" for a new grant) (EventTeamGrant).
type TeamGrant struct {
	Org        string   `event:"org"`
	Team       string   `event:"team"`
	Permission string   `event:"permission"`
	Previous   string   `event:"previous"`
	Via        string   `event:"via,personal"`
	IP         string   `event:"ip,personal"`
	Notify     []string `event:"notify,personal"`
}

// TeamRevoke: a team's grant on the event's package was removed (EventTeamRevoke).
type TeamRevoke struct {
	Org        string   `event:"org"`
	Team       string   `event:"team"`
	Permission string   `event:"permission"` // what it was
	Via        string   `event:"via,personal"`
	IP         string   `event:"ip,personal"`
	Notify     []string `event:"notify,personal"`
}

// SiteRole: an administrator granted or revoked a user's site role
// (moderator) (EventSiteRole).
type SiteRole struct {
	User    string `event:"user"`
	Role    string `event:"role"`
	Granted bool   `event:"granted"`
}

func init() {
	register(SiteRole{}, 1).by(Staff)
	register(OrgCreate{}, 1).by(Users)
	register(OrgDelete{}, 1).by(Users)
	register(OrgMemberSet{}, 1).by(Users)
	register(OrgMemberRemove{}, 1).by(Users)
	register(TeamCreate{}, 1).by(Users)
	register(TeamDelete{}, 1).by(Users)
	register(TeamMemberAdd{}, 1).by(Users)
	register(TeamMemberRemove{}, 1).by(Users)
	register(TeamGrant{}, 1).by(Users)
	register(TeamRevoke{}, 1).by(Users)
}

func (SiteRole) Type() string         { return core.EventSiteRole }
func (OrgCreate) Type() string        { return core.EventOrgCreate }
func (OrgDelete) Type() string        { return core.EventOrgDelete }
func (OrgMemberSet) Type() string     { return core.EventOrgMemberSet }
func (OrgMemberRemove) Type() string  { return core.EventOrgMemberRemove }
func (TeamCreate) Type() string       { return core.EventTeamCreate }
func (TeamDelete) Type() string       { return core.EventTeamDelete }
func (TeamMemberAdd) Type() string    { return core.EventTeamMemberAdd }
func (TeamMemberRemove) Type() string { return core.EventTeamMemberRm }
func (TeamGrant) Type() string        { return core.EventTeamGrant }
func (TeamRevoke) Type() string       { return core.EventTeamRevoke }

// At is the event of p by actor.
func (p SiteRole) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p OrgCreate) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p OrgDelete) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p OrgMemberSet) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p OrgMemberRemove) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p TeamCreate) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p TeamDelete) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p TeamMemberAdd) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p TeamMemberRemove) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor about pkg.
func (p TeamGrant) At(at time.Time, actor, pkg string) *core.Event {
	return newEvent(p, at, actor, pkg, "")
}

// At is the event of p by actor about pkg.
func (p TeamRevoke) At(at time.Time, actor, pkg string) *core.Event {
	return newEvent(p, at, actor, pkg, "")
}
