-- npm's web OTP: an npm write that needs a second factor from an account
-- whose only factors are security keys or passkeys is approved in the
-- browser through a CLI login made for that user (for_user_id), whose poll
-- hands out a one-time value the CLI sends back as npm-otp.
ALTER TABLE cli_logins ADD COLUMN for_user_id INTEGER NOT NULL DEFAULT 0;

CREATE TABLE web_otps (
	value_hash TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
