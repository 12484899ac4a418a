-- Version 28: the account security notices (a new device, a password
-- changed, a second factor added, ...) are mailed from the event outbox
-- (internal/account/notices.go, internal/notifier), on a cursor of their
-- own. An existing registry starts it at its newest event, so that no
-- notice of its past is mailed again (those were mailed when they
-- happened); a new one has no events and starts at the first.
INSERT OR IGNORE INTO meta (key, value)
	SELECT 'notices.accounts', CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM events;
