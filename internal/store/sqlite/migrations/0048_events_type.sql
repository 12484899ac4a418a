-- Version 48: the administrators' list of the staff's actions reads the
-- event log by type (store.StaffEvents), newest first.
CREATE INDEX events_type ON events(type, seq);
