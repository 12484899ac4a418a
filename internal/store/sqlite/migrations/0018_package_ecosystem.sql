-- A package is (ecosystem, name) (issue 8): the same name may exist once
-- per ecosystem. Every package before this migration is npm's. SQLite
-- cannot change a table's UNIQUE constraint in place, so packages is
-- rebuilt with the same ids: its rows are kept aside, the table is
-- dropped and created anew, and the rows go back. The tables that refer
-- to packages(id) refer to it by name and need no change. The migration
-- runs in one transaction with foreign keys on, so their checks are
-- deferred to its commit, when every id exists again (renaming a copy
-- into place instead would leave SQLite counting the dropped rows as
-- missing).
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE packages_before_0018 AS SELECT * FROM packages;
DROP TABLE packages;
CREATE TABLE packages (
	id               INTEGER PRIMARY KEY,
	ecosystem        TEXT NOT NULL DEFAULT 'npm',
	name             TEXT NOT NULL,
	created_at       INTEGER NOT NULL,
	modified_at      INTEGER NOT NULL,
	rev              INTEGER NOT NULL,
	access           TEXT NOT NULL,
	description      TEXT NOT NULL DEFAULT '',
	keywords         TEXT NOT NULL DEFAULT '',
	unpublished_at   INTEGER NOT NULL DEFAULT 0,
	name_released_at INTEGER NOT NULL DEFAULT 0,
	UNIQUE (ecosystem, name)
);
INSERT INTO packages (id, ecosystem, name, created_at, modified_at, rev, access, description, keywords, unpublished_at, name_released_at)
	SELECT id, 'npm', name, created_at, modified_at, rev, access, description, keywords, unpublished_at, name_released_at FROM packages_before_0018;
DROP TABLE packages_before_0018;
-- Lookups by name alone (search, the admin's critical list) stay indexed.
CREATE INDEX packages_name ON packages(name);
