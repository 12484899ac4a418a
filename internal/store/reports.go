package store

import "github.com/rampart/rampart/internal/core"

// Reports are the moderation queue (internal/report): queue items, one
// per reported target while open, the reporters' reports on them (one
// per reporter and item) and the moderators' replies.
type Reports interface {
	// CreateReportItem records a new open item and sets its ID; an error
	// wrapping core.ErrConflict if the target already has an open item.
	CreateReportItem(it *core.ReportItem) error
	// UpdateReportItem writes every field of the item but its ID, Ref
	// and Version; core.ErrNotFound if there is none.
	UpdateReportItem(it *core.ReportItem) error
	// ReportItem returns an item by ID, or an error wrapping
	// core.ErrNotFound.
	ReportItem(id int64) (*core.ReportItem, error)
	// OpenReportItem returns the open item of a target (version "" for
	// the package), or an error wrapping core.ErrNotFound.
	OpenReportItem(ref core.PackageRef, version string) (*core.ReportItem, error)
	// ReportItems lists at most limit items in state ("" for every
	// state), the most recently reported first.
	ReportItems(state core.ReportState, limit int) ([]core.ReportItem, error)
	// PutReport records a reporter's report on an item, or replaces
	// their earlier one on it (its ID and CreatedAt stay); it sets r.ID
	// and r.CreatedAt as stored.
	PutReport(r *core.Report) error
	// ReportOf returns the report of a reporter on an item, or an error
	// wrapping core.ErrNotFound.
	ReportOf(itemID, reporterID int64) (*core.Report, error)
	// Reports lists the reports on an item, oldest first.
	Reports(itemID int64) ([]core.Report, error)
	// AddReportReply records a moderator's reply on an item.
	AddReportReply(r core.ReportReply) error
	// ReportReplies lists the replies on an item, oldest first.
	ReportReplies(itemID int64) ([]core.ReportReply, error)
}
