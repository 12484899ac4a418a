-- Build provenance (AUTHZ-3c) and provenance continuity (BEY-b).
--
-- A version published with a provenance bundle that verified keeps the
-- bundle's predicate type (so its document can announce the attestation
-- without reading the facts) and the facts the bundle proved, so that
-- reads never verify again. Versions stored before this migration keep
-- their unverified bundle and announce none.
ALTER TABLE versions ADD COLUMN provenance_predicate TEXT NOT NULL DEFAULT '';

CREATE TABLE version_provenance (
	package_id        INTEGER NOT NULL REFERENCES packages(id),
	version           TEXT NOT NULL,
	predicate_type    TEXT NOT NULL,
	source_repository TEXT NOT NULL,
	commit_sha        TEXT NOT NULL,
	source_ref        TEXT NOT NULL,
	workflow_path     TEXT NOT NULL,
	workflow_ref      TEXT NOT NULL,
	builder           TEXT NOT NULL,
	runner            TEXT NOT NULL,
	build_trigger     TEXT NOT NULL,
	run_url           TEXT NOT NULL,
	issuer            TEXT NOT NULL,
	log_index         INTEGER NOT NULL,
	integrated_at     INTEGER NOT NULL,
	-- seq orders a package's versions by when their provenance was
	-- recorded: continuity compares with the last one.
	seq               INTEGER NOT NULL,
	PRIMARY KEY (package_id, version)
);

-- A package's provenance continuity policy as its owners set it; no row
-- is the default (continuity enforced from the last source repository).
CREATE TABLE provenance_policies (
	package_id  INTEGER PRIMARY KEY REFERENCES packages(id),
	continuity  TEXT NOT NULL,
	repository  TEXT NOT NULL,
	updated_at  INTEGER NOT NULL,
	updated_by  TEXT NOT NULL
);
