-- What a package's document sums to, kept beside the fragments so that a
-- change checks the limits on the document's growth (limits.versions,
-- limits.document_bytes) from one row instead of every version
-- (store.DocumentState). version_docs.bytes is what a fragment adds to the
-- full document (ecosystem.Format.VersionBytes); -1 for the fragments
-- stored before this migration, which are rendered again by the next
-- build. doc_sizes sums, per package, over the versions anyone may be
-- served (state live or deprecated): how many, how many of them have a
-- fragment of known bytes, and those bytes. The triggers keep it in the
-- transaction of every write of either table, whatever code writes it.
ALTER TABLE version_docs ADD COLUMN bytes INTEGER NOT NULL DEFAULT -1;

CREATE TABLE doc_sizes (
	package_id INTEGER PRIMARY KEY,
	live       INTEGER NOT NULL DEFAULT 0,
	counted    INTEGER NOT NULL DEFAULT 0,
	bytes      INTEGER NOT NULL DEFAULT 0
);

INSERT INTO doc_sizes (package_id, live)
	SELECT package_id, count(*) FROM versions WHERE state IN ('live', 'deprecated') GROUP BY package_id;

CREATE TRIGGER doc_sizes_version_insert AFTER INSERT ON versions
WHEN NEW.state IN ('live', 'deprecated')
BEGIN
	INSERT OR IGNORE INTO doc_sizes (package_id) VALUES (NEW.package_id);
	UPDATE doc_sizes SET
		live = live + 1,
		counted = counted + (SELECT count(*) FROM version_docs d WHERE d.package_id = NEW.package_id AND d.version = NEW.version AND d.bytes >= 0),
		bytes = bytes + coalesce((SELECT d.bytes FROM version_docs d WHERE d.package_id = NEW.package_id AND d.version = NEW.version AND d.bytes >= 0), 0)
	WHERE package_id = NEW.package_id;
END;

-- A version becomes servable to anyone or stops being (unpublished,
-- held): its fragment joins or leaves the sums.
CREATE TRIGGER doc_sizes_version_state AFTER UPDATE OF state ON versions
WHEN (OLD.state IN ('live', 'deprecated')) <> (NEW.state IN ('live', 'deprecated'))
BEGIN
	INSERT OR IGNORE INTO doc_sizes (package_id) VALUES (NEW.package_id);
	UPDATE doc_sizes SET
		live = live + (CASE WHEN NEW.state IN ('live', 'deprecated') THEN 1 ELSE -1 END),
		counted = counted + (CASE WHEN NEW.state IN ('live', 'deprecated') THEN 1 ELSE -1 END) *
			(SELECT count(*) FROM version_docs d WHERE d.package_id = NEW.package_id AND d.version = NEW.version AND d.bytes >= 0),
		bytes = bytes + (CASE WHEN NEW.state IN ('live', 'deprecated') THEN 1 ELSE -1 END) *
			coalesce((SELECT d.bytes FROM version_docs d WHERE d.package_id = NEW.package_id AND d.version = NEW.version AND d.bytes >= 0), 0)
	WHERE package_id = NEW.package_id;
END;

CREATE TRIGGER doc_sizes_version_delete AFTER DELETE ON versions
WHEN OLD.state IN ('live', 'deprecated')
BEGIN
	UPDATE doc_sizes SET
		live = live - 1,
		counted = counted - (SELECT count(*) FROM version_docs d WHERE d.package_id = OLD.package_id AND d.version = OLD.version AND d.bytes >= 0),
		bytes = bytes - coalesce((SELECT d.bytes FROM version_docs d WHERE d.package_id = OLD.package_id AND d.version = OLD.version AND d.bytes >= 0), 0)
	WHERE package_id = OLD.package_id;
END;

CREATE TRIGGER doc_sizes_fragment_insert AFTER INSERT ON version_docs
WHEN NEW.bytes >= 0 AND EXISTS (SELECT 1 FROM versions v WHERE v.package_id = NEW.package_id AND v.version = NEW.version AND v.state IN ('live', 'deprecated'))
BEGIN
	UPDATE doc_sizes SET counted = counted + 1, bytes = bytes + NEW.bytes WHERE package_id = NEW.package_id;
END;

-- PutVersionDoc's upsert of an existing fragment is an UPDATE.
CREATE TRIGGER doc_sizes_fragment_update AFTER UPDATE ON version_docs
WHEN EXISTS (SELECT 1 FROM versions v WHERE v.package_id = NEW.package_id AND v.version = NEW.version AND v.state IN ('live', 'deprecated'))
BEGIN
	UPDATE doc_sizes SET
		counted = counted + (NEW.bytes >= 0) - (OLD.bytes >= 0),
		bytes = bytes + max(NEW.bytes, 0) - max(OLD.bytes, 0)
	WHERE package_id = NEW.package_id;
END;

CREATE TRIGGER doc_sizes_fragment_delete AFTER DELETE ON version_docs
WHEN OLD.bytes >= 0 AND EXISTS (SELECT 1 FROM versions v WHERE v.package_id = OLD.package_id AND v.version = OLD.version AND v.state IN ('live', 'deprecated'))
BEGIN
	UPDATE doc_sizes SET counted = counted - 1, bytes = bytes - OLD.bytes WHERE package_id = OLD.package_id;
END;
