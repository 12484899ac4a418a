-- Version 9: the addresses each account has had, so that the notices of an
-- admin-assisted recovery reach every address the account used in the
-- last 90 days (docs/policies/account-recovery.md). Times are Unix
-- milliseconds (UTC).
--
-- A row is a period: from when the address became the account's verified
-- address (sign-up verification, a confirmed change of address, an admin
-- creating the account verified) until another replaced it. ended_at is
-- NULL while the address is current; at most one row per user is.
--
-- Only verified addresses are recorded. An address nobody proved to own
-- may be a stranger's (a typo, or someone else's address given at
-- sign-up), and the recovery notices carry a link that cancels the
-- recovery and tell that the account exists: they go only to addresses
-- that proved to be the account holder's.
CREATE TABLE email_history (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users(id),
	email       TEXT NOT NULL,
	email_lower TEXT NOT NULL,
	verified_at INTEGER NOT NULL,
	ended_at    INTEGER          -- NULL while it is the current address
);
CREATE INDEX email_history_user ON email_history(user_id, ended_at);
CREATE UNIQUE INDEX email_history_current ON email_history(user_id) WHERE ended_at IS NULL;

-- Backfill: each user's current address, if verified (unverified ones are
-- not recorded, as above), as the open period. Earlier versions kept no
-- history, and the event log holds addresses only masked, so the
-- addresses an account had before this version are lost: until 90 days
-- after the upgrade, notices reach the current address and those used
-- since. The period starts at the user's last email-verified or
-- email-changed event (events of a user carry its name as actor, and
-- names never change), or at the account's creation for an account an
-- administrator created verified. Nothing reads the start of an open
-- period to decide who is mailed; it is there for people.
INSERT INTO email_history (user_id, email, email_lower, verified_at)
	SELECT u.id, u.email, u.email_lower,
		COALESCE((SELECT max(e.at) FROM events e
			WHERE e.actor = u.name AND e.type IN ('account.email_verified', 'account.email_changed')), u.created_at)
	FROM users u
	WHERE u.email_verified = 1;
