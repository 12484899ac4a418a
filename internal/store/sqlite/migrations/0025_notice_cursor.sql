-- Version 25: package notices are mailed from the event outbox
-- (internal/notifier), which keeps how far it got in meta. An existing
-- registry starts at its newest event, so that its past is not mailed
-- again; a new one has no events and starts at the first.
INSERT OR IGNORE INTO meta (key, value)
	SELECT 'notices.packages', CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM events;
