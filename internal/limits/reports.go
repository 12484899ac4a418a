package limits

// Bounds on a report (internal/report, docs/reports.md).
const (
	// MaxReportDescriptionBytes bounds the free text of one report, and
	// of a moderator's reply or closing note.
	MaxReportDescriptionBytes = 4000
	// MaxReportBodyBytes bounds the JSON body of the report API's
	// requests: the text above, escaped, and a few short fields.
	MaxReportBodyBytes = 32 * 1024
	// MaxReportsListed bounds the queue items one listing returns.
	MaxReportsListed = 200
)
