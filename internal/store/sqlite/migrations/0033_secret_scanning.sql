-- Version 33: secret scanning (internal/secretscan). A signed report is
-- remembered by the SHA-256 of its body until its replay window ends, so
-- that the same report sent again is refused. The leaked-token notices
-- are mailed from the event outbox with a cursor of their own: an
-- existing registry starts at its newest event (there are no leaked-token
-- events before this version).
CREATE TABLE scan_reports (
	digest     TEXT PRIMARY KEY,
	seen_at    INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX scan_reports_expires ON scan_reports (expires_at);
INSERT OR IGNORE INTO meta (key, value)
	SELECT 'notices.secretscan', CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM events;
