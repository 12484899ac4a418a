-- Version 4: abandoned-email-domain detection. Times are Unix
-- milliseconds (UTC).

-- The last judgement on the domain of each user's address.
CREATE TABLE email_domain_status (
	user_id     INTEGER PRIMARY KEY REFERENCES users(id),
	email_lower TEXT NOT NULL,    -- the address checked; a changed address is due again
	domain      TEXT NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('ok', 'abandoned', 'unknown')),
	reasons     TEXT NOT NULL,    -- JSON array
	checked_at  INTEGER NOT NULL
);
CREATE INDEX email_domain_status_checked ON email_domain_status(checked_at);

-- Email-change links ('change'): the purpose check is widened, which in
-- SQLite means building the table again.
CREATE TABLE email_tokens_new (
	hash       TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'change')),
	email      TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO email_tokens_new (hash, user_id, purpose, email, created_at, expires_at, used_at)
	SELECT hash, user_id, purpose, email, created_at, expires_at, used_at FROM email_tokens;
DROP TABLE email_tokens;
ALTER TABLE email_tokens_new RENAME TO email_tokens;
CREATE INDEX email_tokens_user ON email_tokens(user_id, purpose);
