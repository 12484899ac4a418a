package sqlite

func (t *tx) GetMeta(key string) (string, error) {
	var v string
	if err := t.row(`SELECT value FROM meta WHERE key = ?`, key).Scan(&v); err != nil {
		return "", notFound(err, "meta %s", key)
	}
	return v, nil
}

func (t *tx) SetMeta(key, value string) error {
	_, err := t.exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}
