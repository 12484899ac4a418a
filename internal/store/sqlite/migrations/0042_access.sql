-- Version 42: private registries. Invitations of an invite-only registry
-- (only the hash of the link's secret; used once) and the links between
-- accounts and their identity provider's subjects ([[sso]]).
CREATE TABLE invites (
	id         INTEGER PRIMARY KEY,
	hash       TEXT NOT NULL UNIQUE,
	email      TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL DEFAULT 0,
	used_by    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sso_identities (
	provider  TEXT NOT NULL,
	subject   TEXT NOT NULL,
	user_id   INTEGER NOT NULL REFERENCES users(id),
	email     TEXT NOT NULL,
	linked_at INTEGER NOT NULL,
	PRIMARY KEY (provider, subject)
);
