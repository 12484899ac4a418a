-- A version keeps the provenance bundle its publish carried (npm publish
-- --provenance), as a blob: the SHA-512 hex digest of the bundle's bytes,
-- '' for none. Nothing serves it yet; a later issue verifies and serves it.
ALTER TABLE versions ADD COLUMN provenance_digest TEXT NOT NULL DEFAULT '';
