-- Version 46: proxied versions the malware scan held (internal/upstream)
-- and the moderators' decisions (held, released, confirmed). Each hold
-- and decision is also an event (upstream.quarantine, upstream.decide).
CREATE TABLE upstream_holds (
	ecosystem  TEXT NOT NULL,
	name       TEXT NOT NULL,
	version    TEXT NOT NULL,
	upstream   TEXT NOT NULL,
	integrity  TEXT NOT NULL,
	reason     TEXT NOT NULL,
	findings   BLOB NOT NULL,
	at         INTEGER NOT NULL,
	state      TEXT NOT NULL,
	decided_by TEXT NOT NULL DEFAULT '',
	decided_at INTEGER NOT NULL DEFAULT 0,
	decision   TEXT NOT NULL DEFAULT '',
	advisory   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (ecosystem, name, version)
);
CREATE INDEX upstream_holds_state ON upstream_holds (state, at);
