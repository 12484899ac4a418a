package sqlite

import (
	"fmt"
	"time"
)

func (t *tx) TouchDevice(userID int64, keyHash string, at time.Time) (bool, error) {
	res, err := t.exec(`INSERT INTO known_devices (user_id, key_hash, first_seen, last_seen) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, key_hash) DO NOTHING`, userID, keyHash, ms(at), ms(at))
	if err != nil {
		return false, fmt.Errorf("recording a device of user %d: %w", userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if n == 1 {
		return true, nil
	}
	_, err = t.exec(`UPDATE known_devices SET last_seen = ? WHERE user_id = ? AND key_hash = ?`, ms(at), userID, keyHash)
	return false, err
}

func (t *tx) DeviceLastSeen(userID int64, keyHash string) (time.Time, error) {
	var last int64
	err := t.row(`SELECT last_seen FROM known_devices WHERE user_id = ? AND key_hash = ?`, userID, keyHash).Scan(&last)
	if err != nil {
		return time.Time{}, notFound(err, "device")
	}
	return fromMS(last), nil
}
