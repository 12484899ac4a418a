-- Version 51: the build provenance of proxied versions as this registry
-- verified it (internal/upstream provenance.go): decided once per
-- version; a refusal is also an event (upstream.provenance).
CREATE TABLE upstream_provenance (
	ecosystem      TEXT NOT NULL,
	name           TEXT NOT NULL,
	version        TEXT NOT NULL,
	upstream       TEXT NOT NULL,
	integrity      TEXT NOT NULL,
	state          TEXT NOT NULL,
	reason         TEXT NOT NULL DEFAULT '',
	facts          BLOB,
	predicate_type TEXT NOT NULL DEFAULT '',
	bundle         BLOB,
	at             INTEGER NOT NULL,
	PRIMARY KEY (ecosystem, name, version)
);
