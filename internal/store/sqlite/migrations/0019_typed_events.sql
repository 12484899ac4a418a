-- Version 19: typed events (internal/event). Each event records the
-- schema number of its payload; rows written before have 0, the legacy
-- untyped map, which internal/event maps to the typed payloads by key
-- when read (the rows themselves are not rewritten). The personal part
-- of a payload (addresses, user agents, ...) lives in its own table, not
-- in events.data, so that a public log reads only events and personal
-- data can be erased without touching a row the log hashed.
ALTER TABLE events ADD COLUMN schema INTEGER NOT NULL DEFAULT 0;
CREATE TABLE event_personal (
	seq  INTEGER PRIMARY KEY REFERENCES events(seq),
	data TEXT NOT NULL
);
