package core

import "time"

// The event types of reports and moderation (internal/report).
const (
	// EventReportFiled: a signed-in user reported a package or a version
	// (or changed their open report on it).
	EventReportFiled = "report.filed"
	// EventReportReplied: a moderator replied to the reporters of a
	// queue item.
	EventReportReplied = "report.replied"
	// EventReportClosed: a moderator closed a queue item, actioned or
	// dismissed.
	EventReportClosed = "report.closed"
)

// ReportCategory is why a package is reported: npm's and PyPI's
// categories.
type ReportCategory string

// The report categories.
const (
	ReportMalicious ReportCategory = "malicious" // malware: steals, destroys, downloads and runs
	ReportSpam      ReportCategory = "spam"      // spam, SEO, no real content
	ReportSquatting ReportCategory = "squatting" // name squatting, typosquatting, impersonation
	ReportCopyright ReportCategory = "copyright" // licence or copyright violation
	ReportOther     ReportCategory = "other"     // another policy problem
)

// ReportCategories lists the categories, in the order forms show them.
func ReportCategories() []ReportCategory {
	return []ReportCategory{ReportMalicious, ReportSpam, ReportSquatting, ReportCopyright, ReportOther}
}

// Valid reports whether c is one of ReportCategories.
func (c ReportCategory) Valid() bool {
	for _, k := range ReportCategories() {
		if c == k {
			return true
		}
	}
	return false
}

// Label is the category as forms and mail say it.
func (c ReportCategory) Label() string {
	switch c {
	case ReportMalicious:
		return "malicious code (malware)"
	case ReportSpam:
		return "spam"
	case ReportSquatting:
		return "name squatting or impersonation"
	case ReportCopyright:
		return "licence or copyright violation"
	case ReportOther:
		return "another policy problem"
	}
	return string(c)
}

// ReportState is where a queue item stands.
type ReportState string

// The states of a queue item.
const (
	ReportOpen      ReportState = "open"
	ReportActioned  ReportState = "actioned"  // closed: the moderators acted on it
	ReportDismissed ReportState = "dismissed" // closed: no action
)

// ReportItem is one item of the moderation queue: every report on one
// target (a package, or one version of it) while the item is open. A
// report on a target whose item was closed opens a new item.
type ReportItem struct {
	ID      int64
	Ref     PackageRef
	Version string // "" for the package as a whole
	State   ReportState
	// Count is how many reporters it has (each counted once).
	Count       int
	FirstAt     time.Time // the first report
	LastAt      time.Time // the latest report, or change of one
	ClosedAt    time.Time
	ClosedBy    string // the moderator's name
	ClosingNote string // what the moderator told the reporters when closing
}

// Target is the item's name[@version].
func (it *ReportItem) Target() string {
	if it.Version == "" {
		return it.Ref.Name
	}
	return it.Ref.Name + "@" + it.Version
}

// Report is one reporter's report, on one queue item. A reporter has at
// most one report per item: reporting again changes it.
type Report struct {
	ID          int64
	ItemID      int64
	ReporterID  int64
	Reporter    string // the reporter's user name when they reported
	Category    ReportCategory
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ReportReply is what a moderator told the reporters of a queue item.
type ReportReply struct {
	ItemID int64
	By     string // the moderator's name
	Text   string
	At     time.Time
}
