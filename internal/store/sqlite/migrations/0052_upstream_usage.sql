-- Version 52: what operators and moderators read of proxied packages
-- (internal/upstream evidence.go, downloads.go).
--
-- The blob digest of the bytes a hold scanned: kept as the hold's
-- evidence (never served while held) and served once released.
ALTER TABLE upstream_holds ADD COLUMN digest TEXT NOT NULL DEFAULT '';
-- The decided view lists decisions newest first.
CREATE INDEX upstream_holds_decided ON upstream_holds (decided_at) WHERE state != 'held';

-- Complete downloads of proxied versions, counted as local downloads are
-- (internal/downloads): once per name, version, Unix day and source (an
-- HMAC of the client's address, IPv6 by /64). Rows of past days in the
-- de-duplication set can no longer match and are swept.
CREATE TABLE upstream_download_sources (
	ecosystem TEXT NOT NULL,
	name      TEXT NOT NULL,
	version   TEXT NOT NULL,
	day       INTEGER NOT NULL, -- Unix days
	source    TEXT NOT NULL,
	PRIMARY KEY (ecosystem, name, version, day, source)
) WITHOUT ROWID;
CREATE INDEX upstream_download_sources_day ON upstream_download_sources (day);

CREATE TABLE upstream_downloads (
	ecosystem TEXT NOT NULL,
	name      TEXT NOT NULL,
	version   TEXT NOT NULL,
	upstream  TEXT NOT NULL,
	day       INTEGER NOT NULL, -- Unix days
	count     INTEGER NOT NULL,
	PRIMARY KEY (ecosystem, name, version, day)
) WITHOUT ROWID;
