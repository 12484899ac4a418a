-- Per-version fragments of package documents, so that a publish writes
-- its own version's part once instead of the whole document again; the
-- document is assembled from them on the first read after a change.
CREATE TABLE version_docs (
	package_id INTEGER NOT NULL REFERENCES packages(id),
	version    TEXT NOT NULL,
	stamp      TEXT NOT NULL,
	full       BLOB NOT NULL,
	abbrev     BLOB NOT NULL,
	PRIMARY KEY (package_id, version)
);

-- gen counts the changes of a document; stale marks one that must be
-- built before it is served (its etag and bodies are then empty).
ALTER TABLE documents ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN stale INTEGER NOT NULL DEFAULT 0;
