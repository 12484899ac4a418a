-- Version 3: TOTP second factor, recovery codes, and when a session or a
-- token last passed a second factor. Times are Unix milliseconds (UTC).
CREATE TABLE totp (
	user_id      INTEGER PRIMARY KEY REFERENCES users(id),
	secret       TEXT NOT NULL,               -- base32; needed to compute codes
	created_at   INTEGER NOT NULL,
	confirmed_at INTEGER NOT NULL DEFAULT 0,  -- 0 while enrolment is pending
	last_step    INTEGER NOT NULL DEFAULT 0   -- last accepted RFC 6238 step
);

-- Single-use recovery codes, by SHA-256 of the normalised code. A used
-- code's row is deleted.
CREATE TABLE recovery_codes (
	user_id    INTEGER NOT NULL REFERENCES users(id),
	hash       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, hash)
);

ALTER TABLE tokens ADD COLUMN mfa_verified_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE web_sessions ADD COLUMN mfa_verified_at INTEGER NOT NULL DEFAULT 0;
-- A pending session is a sign-in that passed the password and waits for
-- the second factor: it signs nobody in.
ALTER TABLE web_sessions ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
