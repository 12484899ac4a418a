-- A version's state (core.VersionState): pending and quarantined versions
-- are held from being served (core.Servable); the others follow from
-- unpublished_at and deprecated, and are stored too so that a reader of
-- the table (or a later backend) sees one column. Existing rows: an
-- unpublish time means unpublished, a deprecation message deprecated,
-- anything else live; nothing was held before this migration.
ALTER TABLE versions ADD COLUMN state TEXT NOT NULL DEFAULT 'live';
UPDATE versions SET state = 'unpublished' WHERE unpublished_at <> 0;
UPDATE versions SET state = 'deprecated' WHERE unpublished_at = 0 AND deprecated <> '';
