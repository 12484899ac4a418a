-- Version 54: how each version was published (internal/versionview, the
-- version page's "Published by"). Written in the publish commit, beside
-- its event: kind is "token" (an npm login session or an API token),
-- "session" (a signed-in browser) or "trusted" (trusted publishing: a
-- CI's ID token exchanged for a one-package token), with, for "trusted",
-- the issuer, the repository and workflow of the configuration that
-- matched, the ref and the ID token's subject. Versions published before
-- this migration have no row: their page says the credential is unknown.
CREATE TABLE version_publishers (
	package_id INTEGER NOT NULL REFERENCES packages(id),
	version    TEXT NOT NULL,
	kind       TEXT NOT NULL,
	issuer     TEXT NOT NULL DEFAULT '',
	repository TEXT NOT NULL DEFAULT '',
	workflow   TEXT NOT NULL DEFAULT '',
	ref        TEXT NOT NULL DEFAULT '',
	subject    TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (package_id, version)
);
