-- Version 38: reports and moderation (internal/report). A queue item
-- gathers the reports on one target (a package, or one of its versions;
-- version '' for the package) while it is open; each reporter has one
-- report per item. Every change is also an event (report.*).
CREATE TABLE report_items (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	ecosystem    TEXT NOT NULL,
	name         TEXT NOT NULL,
	version      TEXT NOT NULL,
	state        TEXT NOT NULL,
	count        INTEGER NOT NULL,
	first_at     INTEGER NOT NULL,
	last_at      INTEGER NOT NULL,
	closed_at    INTEGER NOT NULL DEFAULT 0,
	closed_by    TEXT NOT NULL DEFAULT '',
	closing_note TEXT NOT NULL DEFAULT ''
);
-- One open item per target.
CREATE UNIQUE INDEX report_items_open ON report_items(ecosystem, name, version) WHERE state = 'open';
CREATE INDEX report_items_state ON report_items(state, last_at);

CREATE TABLE reports (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	item_id     INTEGER NOT NULL REFERENCES report_items(id),
	reporter_id INTEGER NOT NULL,
	reporter    TEXT NOT NULL,
	category    TEXT NOT NULL,
	description TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	UNIQUE (item_id, reporter_id)
);

CREATE TABLE report_replies (
	item_id INTEGER NOT NULL REFERENCES report_items(id),
	by_user TEXT NOT NULL,
	text    TEXT NOT NULL,
	at      INTEGER NOT NULL
);
CREATE INDEX report_replies_item ON report_replies(item_id, at);

-- The report notices are mailed from the event outbox with a cursor of
-- their own; an existing registry starts at its newest event.
INSERT OR IGNORE INTO meta (key, value)
	SELECT 'notices.reports', CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM events;
