-- Version 7: devices seen at sign-in (new-device notices) and
-- admin-assisted account recoveries. Times are Unix milliseconds (UTC).

-- key_hash is SHA-256 of the browser's device cookie, or of an npm
-- client's user-agent family and network: never the raw values.
CREATE TABLE known_devices (
	user_id    INTEGER NOT NULL REFERENCES users(id),
	key_hash   TEXT NOT NULL,
	first_seen INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	PRIMARY KEY (user_id, key_hash)
);

CREATE TABLE account_recoveries (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id),
	actor        TEXT NOT NULL,
	reason       TEXT NOT NULL,
	cancel_hash  TEXT NOT NULL UNIQUE, -- SHA-256 of the cancel link's secret
	started_at   INTEGER NOT NULL,
	effective_at INTEGER NOT NULL,
	ended_at     INTEGER NOT NULL DEFAULT 0,
	outcome      TEXT NOT NULL DEFAULT ''
);
-- At most one open recovery per user.
CREATE UNIQUE INDEX account_recoveries_open ON account_recoveries(user_id) WHERE ended_at = 0;
