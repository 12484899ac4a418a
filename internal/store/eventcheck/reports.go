package eventcheck

import "github.com/rampart/rampart/internal/core"

// The classes of store.Reports, kept beside their wrappers. Reports
// decide nothing by themselves, but the queue is the moderators' record
// of what users told them and what they answered: each write has its
// event (report.*), so that the record cannot change unseen.
func init() {
	for name, r := range map[string]Rule{
		"CreateReportItem": {Security, "a new item in the moderation queue; EventReportFiled"},
		"UpdateReportItem": {Security, "an item's reporters, or its closing; EventReportFiled, EventReportClosed"},
		"ReportItem":       {Read, ""},
		"OpenReportItem":   {Read, ""},
		"ReportItems":      {Read, ""},
		"PutReport":        {Security, "what a reporter told the moderators; EventReportFiled"},
		"ReportOf":         {Read, ""},
		"Reports":          {Read, ""},
		"AddReportReply":   {Security, "what a moderator told the reporters; EventReportReplied, EventReportClosed"},
		"ReportReplies":    {Read, ""},
	} {
		Methods[name] = r
	}
}

func (c *checkedTx) CreateReportItem(it *core.ReportItem) error {
	c.try("CreateReportItem")
	return c.did(c.Tx.CreateReportItem(it))
}

func (c *checkedTx) UpdateReportItem(it *core.ReportItem) error {
	c.try("UpdateReportItem")
	return c.did(c.Tx.UpdateReportItem(it))
}

func (c *checkedTx) PutReport(r *core.Report) error {
	c.try("PutReport")
	return c.did(c.Tx.PutReport(r))
}

func (c *checkedTx) AddReportReply(r core.ReportReply) error {
	c.try("AddReportReply")
	return c.did(c.Tx.AddReportReply(r))
}
