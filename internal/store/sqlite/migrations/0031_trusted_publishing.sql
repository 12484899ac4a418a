-- Trusted publishing (AUTHZ-3a): the configurations (by package name, so
-- that a pending one can name a package that does not exist yet), the ID
-- tokens already exchanged (until they expire), the link from an
-- exchanged token to its configuration, and the per-package policy
-- "publish only through trusted publishing".
CREATE TABLE trusted_publishers (
	id            INTEGER PRIMARY KEY,
	ecosystem     TEXT NOT NULL,
	name          TEXT NOT NULL,
	issuer        TEXT NOT NULL,
	claims        TEXT NOT NULL,  -- JSON object of strings
	stable        TEXT NOT NULL,  -- JSON object of strings
	permissions   TEXT NOT NULL,  -- JSON array
	created_by    INTEGER NOT NULL REFERENCES users(id),
	created_at    INTEGER NOT NULL,
	pending_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX trusted_publishers_name ON trusted_publishers(ecosystem, name);
CREATE INDEX trusted_publishers_pending ON trusted_publishers(created_by) WHERE pending_until <> 0;

CREATE TABLE used_id_tokens (
	issuer  TEXT NOT NULL,
	jti     TEXT NOT NULL,
	expires INTEGER NOT NULL,
	PRIMARY KEY (issuer, jti)
);

CREATE TABLE trusted_tokens (
	token_id     INTEGER PRIMARY KEY REFERENCES tokens(id),
	publisher_id INTEGER NOT NULL,
	ecosystem    TEXT NOT NULL,
	name         TEXT NOT NULL,
	issuer       TEXT NOT NULL,
	subject      TEXT NOT NULL,
	pending      INTEGER NOT NULL
);

CREATE TABLE trust_policies (
	ecosystem    TEXT NOT NULL,
	name         TEXT NOT NULL,
	trusted_only INTEGER NOT NULL,
	changed_at   INTEGER NOT NULL,
	PRIMARY KEY (ecosystem, name)
);
