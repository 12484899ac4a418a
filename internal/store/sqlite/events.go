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
	res, err := t.exec(`INSERT INTO events (at, type, actor, package, version, data) VALUES (?, ?, ?, ?, ?, ?)`,
		ms(e.At), e.Type, e.Actor, e.Package, e.Version, data)
	if err != nil {
		return err
	}
	e.Seq, err = res.LastInsertId()
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
		if err := rows.Scan(&e.Seq, &at, &e.Type, &e.Actor, &e.Package, &e.Version, &data); err != nil {
			return nil, err
		}
		e.At, e.Data = fromMS(at), json.RawMessage(data)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (t *tx) EventsAfter(seq int64, limit int) ([]core.Event, error) {
	return t.scanEvents(t.query(`SELECT seq, at, type, actor, package, version, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, seq, limit))
}

func (t *tx) EventsFor(packageName string, limit int) ([]core.Event, error) {
	return t.scanEvents(t.query(`SELECT seq, at, type, actor, package, version, data FROM events WHERE package = ? ORDER BY seq DESC LIMIT ?`, packageName, limit))
}

func (t *tx) EventsByActor(actor string, limit int) ([]core.Event, error) {
	return t.scanEvents(t.query(`SELECT seq, at, type, actor, package, version, data FROM events WHERE actor = ? ORDER BY seq DESC LIMIT ?`, actor, limit))
}
