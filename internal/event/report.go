package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// ReportFiled: a signed-in user reported a package (the event's version
// "") or one of its versions, or changed their open report on it
// (EventReportFiled). Who reported, and what they wrote, are personal:
// a public log says only that a target was reported, and why in a word.
// Notify names the moderators to mail when the report opened a new queue
// item (a repeated or changed report mails no one).
type ReportFiled struct {
	Item     int64  `event:"item"`     // the queue item
	Report   int64  `event:"report"`   // the reporter's report on it
	Category string `event:"category"` // a core.ReportCategory
	NewItem  bool   `event:"new_item"` // the first report on the target since its last item closed
	Updated  bool   `event:"updated"`  // the reporter changed their earlier report on the item
	Count    int    `event:"count"`    // the item's reporters, this one included

	Reporter    string   `event:"reporter,personal"`
	Description string   `event:"description,personal"`
	IP          string   `event:"ip,personal"`
	Notify      []string `event:"notify,personal"`
}

// ReportReplied: a moderator replied to the reporters of a queue item
// (EventReportReplied); the reply is personal (it is addressed to
// people), and Notify names them: the item's reporters.
type ReportReplied struct {
	Item   int64    `event:"item"`
	Text   string   `event:"text,personal"`
	Notify []string `event:"notify,personal"`
}

// ReportClosed: a moderator closed a queue item (EventReportClosed) with
// an outcome (core.ReportActioned or core.ReportDismissed) and a note to
// the reporters, who are mailed (Notify).
type ReportClosed struct {
	Item    int64    `event:"item"`
	Outcome string   `event:"outcome"`
	Text    string   `event:"text,personal"`
	Notify  []string `event:"notify,personal"`
}

func init() {
	register(ReportFiled{}, 1).by(Users)
	register(ReportReplied{}, 1).by(Staff)
	register(ReportClosed{}, 1).by(Staff)
}

func (ReportFiled) Type() string   { return core.EventReportFiled }
func (ReportReplied) Type() string { return core.EventReportReplied }
func (ReportClosed) Type() string  { return core.EventReportClosed }

// At is the event of p about version ("" for the package) of pkg. The
// reporter is not the public actor: a report's author is personal.
func (p ReportFiled) At(at time.Time, pkg, version string) *core.Event {
	return newEvent(p, at, "", pkg, version)
}

// At is the event of p by the moderator actor.
func (p ReportReplied) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p by the moderator actor.
func (p ReportClosed) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}
