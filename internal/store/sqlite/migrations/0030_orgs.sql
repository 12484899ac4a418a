-- Version 30: organisations own the scope of their name; members hold a
-- role (owner, admin, member), teams group members, and a team's grant
-- gives its members read-only or read-write on one package. A deleted
-- org keeps its row (deleted_at) so that its name is never taken again.
-- Users gain the site role of moderator, beside administrator.
CREATE TABLE orgs (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	deleted_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE org_members (
	org_id   INTEGER NOT NULL REFERENCES orgs(id),
	user_id  INTEGER NOT NULL REFERENCES users(id),
	role     TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
	added_at INTEGER NOT NULL,
	PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_members_user ON org_members(user_id);

CREATE TABLE teams (
	id          INTEGER PRIMARY KEY,
	org_id      INTEGER NOT NULL REFERENCES orgs(id),
	name        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	UNIQUE (org_id, name)
);

CREATE TABLE team_members (
	team_id INTEGER NOT NULL REFERENCES teams(id),
	user_id INTEGER NOT NULL REFERENCES users(id),
	PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

CREATE TABLE team_grants (
	team_id    INTEGER NOT NULL REFERENCES teams(id),
	package_id INTEGER NOT NULL REFERENCES packages(id),
	permission TEXT NOT NULL CHECK (permission IN ('read-only', 'read-write')),
	PRIMARY KEY (team_id, package_id)
);
CREATE INDEX team_grants_package ON team_grants(package_id);

ALTER TABLE users ADD COLUMN is_moderator INTEGER NOT NULL DEFAULT 0;

-- Org notices are mailed from the event outbox from their own cursor;
-- an existing registry starts at its newest event (as 0025 did).
INSERT OR IGNORE INTO meta (key, value)
	SELECT 'notices.orgs', CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM events;
