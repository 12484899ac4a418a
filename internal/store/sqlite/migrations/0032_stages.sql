-- Version 32: staged publishing. A staged version is a row of versions
-- held 'pending'; its stage records who staged it, the tag it asked for,
-- when it expires and what was decided. A package's policy says which
-- publishes land staged ('none' when it has no row).
CREATE TABLE stages (
	id          TEXT PRIMARY KEY,
	package_id  INTEGER NOT NULL REFERENCES packages(id),
	version     TEXT NOT NULL,
	tag         TEXT NOT NULL,
	status      TEXT NOT NULL,
	reason      TEXT NOT NULL,
	actor_id    INTEGER NOT NULL REFERENCES users(id),
	actor_type  TEXT NOT NULL,
	shasum      TEXT NOT NULL,
	integrity   TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	decided_at  INTEGER NOT NULL DEFAULT 0,
	decided_by  TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	keywords    TEXT NOT NULL DEFAULT '',
	UNIQUE (package_id, version)
);
CREATE INDEX stages_open ON stages(status, expires_at);
CREATE INDEX stages_package ON stages(package_id, status);

CREATE TABLE stage_policies (
	package_id INTEGER PRIMARY KEY REFERENCES packages(id),
	policy     TEXT NOT NULL
);

-- The stage notices are mailed from the event outbox with a cursor of
-- their own; an existing registry starts at its newest event.
INSERT OR IGNORE INTO meta (key, value)
	SELECT 'notices.stage', CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM events;
