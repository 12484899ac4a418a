-- Version 39: OSV advisories (internal/advisory). The record is kept
-- whole; the other columns copy what it says for listing, and
-- advisory_packages indexes it by the packages it names. mal_numbers is
-- the counter of each year's MAL- advisories, updated in the
-- transaction that publishes one, so numbers have no gaps.
CREATE TABLE advisories (
	id        TEXT PRIMARY KEY,
	modified  INTEGER NOT NULL,
	published INTEGER NOT NULL,
	withdrawn INTEGER NOT NULL,
	summary   TEXT NOT NULL,
	severity  TEXT NOT NULL,
	source    TEXT NOT NULL,
	record    BLOB NOT NULL
);
CREATE INDEX advisories_by_modified ON advisories (modified DESC, id);
CREATE TABLE advisory_packages (
	ecosystem TEXT NOT NULL,
	name      TEXT NOT NULL,
	id        TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
	PRIMARY KEY (ecosystem, name, id)
);
CREATE INDEX advisory_packages_by_id ON advisory_packages (id);
CREATE TABLE mal_numbers (
	year INTEGER PRIMARY KEY,
	last INTEGER NOT NULL
);
