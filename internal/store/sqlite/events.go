package sqlite

import (
	"database/sql"
	"encoding/json"

	"github.com/rampart/rampart/internal/core"
)

func (t *tx) AppendEvent(e *core.Event) error {
	data := string(e.Data)
	if data == "" {
		data = "{}"
	}
	// seq is AUTOINCREMENT inside the one write transaction: SQLite runs
	// one writer at a time (BEGIN IMMEDIATE, across processes too), so
	// seqs are handed out in commit order, and a rollback also rolls back
	// sqlite_sequence, leaving no hole (store.Events).
	res, err := t.exec(`INSERT INTO events (at, type, actor, package, version, data, schema) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ms(e.At), e.Type, e.Actor, e.Package, e.Version, data, e.Schema)
	if err != nil {
		return err
	}
	if e.Seq, err = res.LastInsertId(); err != nil {
		return err
	}
	if len(e.Personal) > 0 {
		_, err = t.exec(`INSERT INTO event_personal (seq, data) VALUES (?, ?)`, e.Seq, string(e.Personal))
	}
	return err
}

func (t *tx) scanEvents(rows *sql.Rows, err error) ([]core.Event, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.Event
	for rows.Next() {
		var e core.Event
		var at int64
		var data string
		var personal sql.NullString
		if err := rows.Scan(&e.Seq, &at, &e.Type, &e.Actor, &e.Package, &e.Version, &data, &e.Schema, &personal); err != nil {
			return nil, err
		}
		e.At, e.Data = fromMS(at), json.RawMessage(data)
		if personal.Valid {
			e.Personal = json.RawMessage(personal.String)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// eventColumns reads an event with its personal part, if any.
const eventColumns = `SELECT e.seq, e.at, e.type, e.actor, e.package, e.version, e.data, e.schema, p.data FROM events e LEFT JOIN event_personal p ON p.seq = e.seq`

func (t *tx) EventsAfter(seq int64, limit int) ([]core.Event, error) {
	return t.scanEvents(t.query(eventColumns+` WHERE e.seq > ? ORDER BY e.seq LIMIT ?`, seq, limit))
}

func (t *tx) EventsFor(packageName string, limit int) ([]core.Event, error) {
	return t.scanEvents(t.query(eventColumns+` WHERE e.package = ? ORDER BY e.seq DESC LIMIT ?`, packageName, limit))
}

func (t *tx) EventsByActor(actor string, limit int) ([]core.Event, error) {
	return t.scanEvents(t.query(eventColumns+` WHERE e.actor = ? ORDER BY e.seq DESC LIMIT ?`, actor, limit))
}
