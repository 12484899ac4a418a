-- Version 2: one-time links mailed to users, and the flag a sign-in with a
-- breached password sets. Times are Unix milliseconds (UTC).
CREATE TABLE email_tokens (
	hash       TEXT PRIMARY KEY, -- SHA-256 hex of the secret in the link
	user_id    INTEGER NOT NULL REFERENCES users(id),
	purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'reset')),
	email      TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX email_tokens_user ON email_tokens(user_id, purpose);

ALTER TABLE users ADD COLUMN password_compromised INTEGER NOT NULL DEFAULT 0;

CREATE INDEX events_actor ON events(actor, seq);

CREATE INDEX web_sessions_user ON web_sessions(user_id);
