-- Version 16: what ends a session ends what it could still hand out, and
-- a session's freshness is that of its last real authentication.
--
-- signed_in_at is when the browser last proved who it is (a password, or
-- a passkey); a session reissued for the same browser (sign out
-- everywhere else, a password change) carries it over unchanged, so that
-- reissuing never makes an old session look like a fresh sign-in. 0 on
-- rows from before this version, read as created_at.
ALTER TABLE web_sessions ADD COLUMN signed_in_at INTEGER NOT NULL DEFAULT 0;

-- purpose binds a web OTP to what it was issued for ("npm-write": one npm
-- write of a keys-only account); nothing else accepts it.
ALTER TABLE web_otps ADD COLUMN purpose TEXT NOT NULL DEFAULT 'npm-write';

-- Ending every session of a user also ends the npm web logins approved
-- by or waiting for that user, and the WebAuthn ceremonies begun for it.
CREATE INDEX cli_logins_user ON cli_logins(user_id);
CREATE INDEX cli_logins_for_user ON cli_logins(for_user_id);
CREATE INDEX web_otps_user ON web_otps(user_id);
