-- Version 36: typosquatting (internal/namepolicy). The new package names
-- a moderator or administrator allowed although they resemble a popular
-- one; each allowance is also an event (name.allowed).
CREATE TABLE name_allowances (
	ecosystem  TEXT NOT NULL,
	name       TEXT NOT NULL,
	allowed_by TEXT NOT NULL,
	reason     TEXT NOT NULL,
	allowed_at INTEGER NOT NULL,
	PRIMARY KEY (ecosystem, name)
);
