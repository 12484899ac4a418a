package sqlite

import "github.com/rampart/rampart/internal/core"

func (t *tx) Throttle(key string) (*core.Throttle, error) {
	th := core.Throttle{Key: key}
	var last, until int64
	err := t.row(`SELECT failures, last_failure, blocked_until FROM throttles WHERE key = ?`, key).Scan(&th.Failures, &last, &until)
	if err != nil {
		return nil, notFound(err, "throttle")
	}
	th.LastFailure, th.BlockedUntil = fromMS(last), fromMS(until)
	return &th, nil
}

func (t *tx) PutThrottle(th *core.Throttle) error {
	_, err := t.exec(`INSERT INTO throttles (key, failures, last_failure, blocked_until) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure = excluded.last_failure, blocked_until = excluded.blocked_until`,
		th.Key, th.Failures, ms(th.LastFailure), ms(th.BlockedUntil))
	return err
}

func (t *tx) DeleteThrottle(key string) error {
	_, err := t.exec(`DELETE FROM throttles WHERE key = ?`, key)
	return err
}
