-- Rampart metadata schema, version 1. Times are Unix milliseconds (UTC).
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE users (
	id             INTEGER PRIMARY KEY,
	name           TEXT NOT NULL UNIQUE,
	email          TEXT NOT NULL,
	email_lower    TEXT NOT NULL UNIQUE,
	password_hash  TEXT NOT NULL,
	email_verified INTEGER NOT NULL DEFAULT 0,
	is_admin       INTEGER NOT NULL DEFAULT 0,
	disabled_at    INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL
);

CREATE TABLE tokens (
	id         INTEGER PRIMARY KEY,
	key        TEXT NOT NULL UNIQUE,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	hash       TEXT NOT NULL UNIQUE,
	mask       TEXT NOT NULL,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL,
	actions    TEXT NOT NULL,  -- JSON array
	packages   TEXT NOT NULL,  -- JSON array
	cidrs      TEXT NOT NULL,  -- JSON array
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE packages (
	id               INTEGER PRIMARY KEY,
	name             TEXT NOT NULL UNIQUE,
	created_at       INTEGER NOT NULL,
	modified_at      INTEGER NOT NULL,
	rev              INTEGER NOT NULL,
	access           TEXT NOT NULL,
	description      TEXT NOT NULL DEFAULT '',
	keywords         TEXT NOT NULL DEFAULT '',
	unpublished_at   INTEGER NOT NULL DEFAULT 0,
	name_released_at INTEGER NOT NULL DEFAULT 0
);

-- A version row is never deleted: its (package, version) pair stays used.
CREATE TABLE versions (
	package_id     INTEGER NOT NULL REFERENCES packages(id),
	version        TEXT NOT NULL,
	manifest       BLOB NOT NULL,
	integrity      TEXT NOT NULL,
	shasum         TEXT NOT NULL,
	digest         TEXT NOT NULL,
	size           INTEGER NOT NULL,
	file_count     INTEGER NOT NULL,
	unpacked_size  INTEGER NOT NULL,
	publisher_id   INTEGER NOT NULL REFERENCES users(id),
	published_at   INTEGER NOT NULL,
	deprecated     TEXT NOT NULL DEFAULT '',
	unpublished_at INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (package_id, version)
);
CREATE INDEX versions_digest ON versions(digest);

CREATE TABLE dependencies (
	package_id INTEGER NOT NULL REFERENCES packages(id),
	version    TEXT NOT NULL,
	dep_name   TEXT NOT NULL,
	PRIMARY KEY (package_id, version, dep_name)
);
CREATE INDEX dependencies_name ON dependencies(dep_name);

CREATE TABLE dist_tags (
	package_id INTEGER NOT NULL REFERENCES packages(id),
	tag        TEXT NOT NULL,
	version    TEXT NOT NULL,
	PRIMARY KEY (package_id, tag)
);

CREATE TABLE maintainers (
	package_id INTEGER NOT NULL REFERENCES packages(id),
	user_id    INTEGER NOT NULL REFERENCES users(id),
	added_at   INTEGER NOT NULL,
	PRIMARY KEY (package_id, user_id)
);
CREATE INDEX maintainers_user ON maintainers(user_id);

CREATE TABLE documents (
	name      TEXT PRIMARY KEY,
	etag       TEXT NOT NULL,
	restricted INTEGER NOT NULL DEFAULT 0,
	full      BLOB NOT NULL,
	full_gz   BLOB NOT NULL,
	abbrev    BLOB NOT NULL,
	abbrev_gz BLOB NOT NULL
);

CREATE TABLE events (
	seq     INTEGER PRIMARY KEY AUTOINCREMENT,
	at      INTEGER NOT NULL,
	type    TEXT NOT NULL,
	actor   TEXT NOT NULL,
	package TEXT NOT NULL,
	version TEXT NOT NULL,
	data    TEXT NOT NULL
);
CREATE INDEX events_package ON events(package, seq);

CREATE TABLE downloads (
	package_id INTEGER NOT NULL REFERENCES packages(id),
	day        INTEGER NOT NULL, -- Unix days
	count      INTEGER NOT NULL,
	PRIMARY KEY (package_id, day)
);

CREATE TABLE throttles (
	key           TEXT PRIMARY KEY,
	failures      INTEGER NOT NULL,
	last_failure  INTEGER NOT NULL,
	blocked_until INTEGER NOT NULL
);

CREATE TABLE web_sessions (
	id_hash    TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
