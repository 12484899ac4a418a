-- Version 44: the transparency log's sealing decisions (internal/tlog).
-- One row per event the sequencer reached: salt NULL means its leaf is
-- the plain entry; a salt means the leaf commits to the entry with it (a
-- package not publicly readable). Kept so a leaf never changes.
CREATE TABLE log_seals (
	seq  INTEGER PRIMARY KEY,
	salt BLOB
);
