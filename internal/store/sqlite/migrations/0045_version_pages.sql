-- Version 45: per-version web pages (internal/web/versionpages). The file
-- list of each tarball, read once from its bytes on the first view of a
-- version's page and kept under the tarball's digest (the bytes under a
-- digest never change, so neither does the list): later views read no
-- tarball. Dependents are found through dependencies(dep_name), joined to
-- the "latest" dist-tag, whose primary key (package_id, tag) serves the
-- join.
CREATE TABLE tarball_files (
	digest TEXT PRIMARY KEY,
	files  BLOB NOT NULL
);
