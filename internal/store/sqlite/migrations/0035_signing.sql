-- Registry signatures (internal/signing): the public parts of the
-- registry's signing keys, and what it signed of each version. The
-- private keys are files in the data folder, never in this database.
-- expires_at 0 marks the current key; at most one is.
CREATE TABLE signing_keys (
	keyid      TEXT PRIMARY KEY,
	public_key BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX signing_keys_current ON signing_keys(expires_at) WHERE expires_at = 0;

-- One signature per version, forever: a version is signed once, at
-- publish (or by the one-time backfill for versions published before).
CREATE TABLE version_signatures (
	package_id  INTEGER NOT NULL,
	version     TEXT NOT NULL,
	keyid       TEXT NOT NULL REFERENCES signing_keys(keyid),
	sig         TEXT NOT NULL,
	attestation BLOB NOT NULL,
	signed_at   INTEGER NOT NULL,
	PRIMARY KEY (package_id, version),
	FOREIGN KEY (package_id, version) REFERENCES versions(package_id, version)
);
CREATE INDEX version_signatures_keyid ON version_signatures(keyid);
