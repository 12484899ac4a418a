-- Version 5: WebAuthn security keys and passkeys, the short-lived state of
-- a WebAuthn ceremony, and npm's web login (CLI login sessions). Times are
-- Unix milliseconds (UTC).
CREATE TABLE webauthn_credentials (
	id            INTEGER PRIMARY KEY,
	user_id       INTEGER NOT NULL REFERENCES users(id),
	credential_id BLOB NOT NULL UNIQUE,  -- the authenticator's credential ID
	user_handle   BLOB NOT NULL,         -- the user's WebAuthn ID (random, per user)
	name          TEXT NOT NULL,
	discoverable  INTEGER NOT NULL DEFAULT 0, -- a passkey: usable without a user name
	sign_count    INTEGER NOT NULL DEFAULT 0,
	transports    TEXT NOT NULL DEFAULT '[]', -- JSON list
	data          BLOB NOT NULL,         -- JSON credential record (public key, flags, attestation)
	created_at    INTEGER NOT NULL,
	last_used_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials(user_id);

-- A registration or assertion in progress: the challenge and its options,
-- by SHA-256 of the random value in the browser's cookie. Used once.
CREATE TABLE webauthn_ceremonies (
	id_hash    TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL DEFAULT 0, -- 0 for a passkey sign-in
	kind       TEXT NOT NULL,
	data       BLOB NOT NULL,
	expires_at INTEGER NOT NULL
);

-- npm's web login: the CLI polls done_hash's URL while a browser approves
-- at login_hash's URL. Both are SHA-256 of random values; the token is
-- made only when the CLI collects it, once.
CREATE TABLE cli_logins (
	done_hash          TEXT PRIMARY KEY,
	login_hash         TEXT NOT NULL UNIQUE,
	addr               TEXT NOT NULL,
	created_at         INTEGER NOT NULL,
	expires_at         INTEGER NOT NULL,
	user_id            INTEGER NOT NULL DEFAULT 0,
	approved_at        INTEGER NOT NULL DEFAULT 0,
	mfa_verified_at    INTEGER NOT NULL DEFAULT 0,
	phishing_resistant INTEGER NOT NULL DEFAULT 0,
	collected_at       INTEGER NOT NULL DEFAULT 0
);

-- A session whose second factor was a security key or passkey.
ALTER TABLE web_sessions ADD COLUMN phishing_resistant INTEGER NOT NULL DEFAULT 0;
-- A token made by a login (npm web login) whose second factor was a
-- security key or passkey.
ALTER TABLE tokens ADD COLUMN phishing_resistant_at INTEGER NOT NULL DEFAULT 0;
