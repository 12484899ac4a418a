package sqlite

import (
	"strings"

	"github.com/rampart/rampart/internal/core"
)

func (t *tx) EventsOfKinds(types, actors []string, before int64, limit int) ([]core.Event, error) {
	if len(types) == 0 && len(actors) == 0 {
		return nil, nil
	}
	var where []string
	var args []any
	if len(types) > 0 {
		where = append(where, `e.type IN (`+questionMarks(len(types))+`)`)
		for _, v := range types {
			args = append(args, v)
		}
	}
	if len(actors) > 0 {
		where = append(where, `e.actor IN (`+questionMarks(len(actors))+`)`)
		for _, v := range actors {
			args = append(args, v)
		}
	}
	q := eventColumns + ` WHERE (` + strings.Join(where, ` OR `) + `)`
	if before > 0 {
		q += ` AND e.seq < ?`
		args = append(args, before)
	}
	args = append(args, limit)
	return t.scanEvents(t.query(q+` ORDER BY e.seq DESC LIMIT ?`, args...))
}

// questionMarks is n comma-separated "?".
func questionMarks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
