package mail

// The notices of reports and moderation (internal/report).
const (
	// KindReportFiled goes to the site's moderators and administrators
	// when a package or version is reported and no open queue item holds
	// it yet: Package (Version if one), Category, Count, Actor (the
	// reporter), ActionURL (the queue item's page); Description if the
	// reporter wrote one.
	KindReportFiled = "report_filed"
	// KindReportAnswered goes to the reporters of a queue item when a
	// moderator replies to them or closes it: Package, Outcome
	// ("replied", "actioned" or "dismissed"), Actor (the moderator),
	// Reply.
	KindReportAnswered = "report_answered"
)

// ReportNotice holds the facts of the report notices.
type ReportNotice struct {
	// Category says why it was reported, in words ("spam").
	Category string
	// Count is how many users reported the target so far.
	Count int
	// Description is what the reporter wrote; Reply what the moderator
	// answered. Both are cut to maxReportText.
	Description string
	Reply       string
	// Outcome is "replied", "actioned" or "dismissed".
	Outcome string
}

// maxReportText bounds a reporter's or moderator's text in a mail: the
// rest is on the queue's page.
const maxReportText = 1500

func (r ReportNotice) clean() ReportNotice {
	r.Category = cleanText(r.Category, maxShortText)
	r.Outcome = cleanText(r.Outcome, maxShortText)
	r.Description = cleanText(r.Description, maxReportText)
	r.Reply = cleanText(r.Reply, maxReportText)
	return r
}

// checkReport reports the first field a report notice lacks.
func (n Notice) checkReport(kind string, missing func(string) error) error {
	switch kind {
	case KindReportFiled:
		if n.Package == "" || n.Category == "" || n.Count <= 0 || n.ActionURL == "" {
			return missing("Package, Category, Count and ActionURL")
		}
	case KindReportAnswered:
		if n.Package == "" || n.Actor == "" || n.Reply == "" {
			return missing("Package, Actor and Reply")
		}
		switch n.Outcome {
		case "replied", "actioned", "dismissed":
		default:
			return missing(`Outcome ("replied", "actioned" or "dismissed")`)
		}
	}
	return nil
}
