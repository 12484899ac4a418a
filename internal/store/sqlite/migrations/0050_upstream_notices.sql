-- Version 50: the moderators' notices of proxied versions the malware
-- scan held (internal/upstream notices.go) start at the newest event, so
-- that an upgrade mails nothing of the past.
INSERT OR IGNORE INTO meta (key, value)
	SELECT 'notices.upstream', CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM events;
