package sqlite

import (
	"database/sql"
	"fmt"

	"github.com/rampart/rampart/internal/core"
)

// ---- the moderation queue (store.Reports) ----

const reportItemCols = `id, ecosystem, name, version, state, count, first_at, last_at, closed_at, closed_by, closing_note`

func scanReportItem(sc interface{ Scan(...any) error }) (*core.ReportItem, error) {
	var it core.ReportItem
	var first, last, closed int64
	if err := sc.Scan(&it.ID, &it.Ref.Ecosystem, &it.Ref.Name, &it.Version, &it.State, &it.Count, &first, &last, &closed, &it.ClosedBy, &it.ClosingNote); err != nil {
		return nil, err
	}
	it.FirstAt, it.LastAt, it.ClosedAt = fromMS(first), fromMS(last), fromMS(closed)
	return &it, nil
}

func (t *tx) CreateReportItem(it *core.ReportItem) error {
	res, err := t.exec(`INSERT INTO report_items (ecosystem, name, version, state, count, first_at, last_at, closed_at, closed_by, closing_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.Ref.Ecosystem, it.Ref.Name, it.Version, it.State, it.Count, ms(it.FirstAt), ms(it.LastAt), ms(it.ClosedAt), it.ClosedBy, it.ClosingNote)
	if err != nil {
		return conflict(err, "report item on %s", it.Target())
	}
	it.ID, err = res.LastInsertId()
	return err
}

func (t *tx) UpdateReportItem(it *core.ReportItem) error {
	res, err := t.exec(`UPDATE report_items SET state = ?, count = ?, first_at = ?, last_at = ?, closed_at = ?, closed_by = ?, closing_note = ? WHERE id = ?`,
		it.State, it.Count, ms(it.FirstAt), ms(it.LastAt), ms(it.ClosedAt), it.ClosedBy, it.ClosingNote, it.ID)
	if err != nil {
		return conflict(err, "report item %d", it.ID)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("report item %d: %w", it.ID, core.ErrNotFound)
	}
	return nil
}

func (t *tx) ReportItem(id int64) (*core.ReportItem, error) {
	it, err := scanReportItem(t.row(`SELECT `+reportItemCols+` FROM report_items WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "report item %d", id)
	}
	return it, nil
}

func (t *tx) OpenReportItem(ref core.PackageRef, version string) (*core.ReportItem, error) {
	it, err := scanReportItem(t.row(`SELECT `+reportItemCols+` FROM report_items WHERE ecosystem = ? AND name = ? AND version = ? AND state = ?`,
		ref.Ecosystem, ref.Name, version, core.ReportOpen))
	if err != nil {
		return nil, notFound(err, "open report item on %s", ref.Name)
	}
	return it, nil
}

func (t *tx) ReportItems(state core.ReportState, limit int) ([]core.ReportItem, error) {
	var rows *sql.Rows
	var err error
	if state == "" {
		rows, err = t.query(`SELECT `+reportItemCols+` FROM report_items ORDER BY last_at DESC, id DESC LIMIT ?`, limit)
	} else {
		rows, err = t.query(`SELECT `+reportItemCols+` FROM report_items WHERE state = ? ORDER BY last_at DESC, id DESC LIMIT ?`, state, limit)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.ReportItem
	for rows.Next() {
		it, err := scanReportItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *it)
	}
	return out, rows.Err()
}

const reportCols = `id, item_id, reporter_id, reporter, category, description, created_at, updated_at`

func scanReport(sc interface{ Scan(...any) error }) (*core.Report, error) {
	var r core.Report
	var created, updated int64
	if err := sc.Scan(&r.ID, &r.ItemID, &r.ReporterID, &r.Reporter, &r.Category, &r.Description, &created, &updated); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return &r, nil
}

func (t *tx) PutReport(r *core.Report) error {
	_, err := t.exec(`INSERT INTO reports (item_id, reporter_id, reporter, category, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (item_id, reporter_id) DO UPDATE SET reporter = excluded.reporter, category = excluded.category, description = excluded.description, updated_at = excluded.updated_at`,
		r.ItemID, r.ReporterID, r.Reporter, r.Category, r.Description, ms(r.CreatedAt), ms(r.UpdatedAt))
	if err != nil {
		return err
	}
	var created int64
	if err := t.row(`SELECT id, created_at FROM reports WHERE item_id = ? AND reporter_id = ?`, r.ItemID, r.ReporterID).Scan(&r.ID, &created); err != nil {
		return err
	}
	r.CreatedAt = fromMS(created)
	return nil
}

func (t *tx) ReportOf(itemID, reporterID int64) (*core.Report, error) {
	r, err := scanReport(t.row(`SELECT `+reportCols+` FROM reports WHERE item_id = ? AND reporter_id = ?`, itemID, reporterID))
	if err != nil {
		return nil, notFound(err, "report on item %d", itemID)
	}
	return r, nil
}

func (t *tx) Reports(itemID int64) ([]core.Report, error) {
	rows, err := t.query(`SELECT `+reportCols+` FROM reports WHERE item_id = ? ORDER BY created_at, id`, itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

func (t *tx) AddReportReply(r core.ReportReply) error {
	_, err := t.exec(`INSERT INTO report_replies (item_id, by_user, text, at) VALUES (?, ?, ?, ?)`, r.ItemID, r.By, r.Text, ms(r.At))
	return err
}

func (t *tx) ReportReplies(itemID int64) ([]core.ReportReply, error) {
	rows, err := t.query(`SELECT item_id, by_user, text, at FROM report_replies WHERE item_id = ? ORDER BY at, rowid`, itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.ReportReply
	for rows.Next() {
		var r core.ReportReply
		var at int64
		if err := rows.Scan(&r.ItemID, &r.By, &r.Text, &at); err != nil {
			return nil, err
		}
		r.At = fromMS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
