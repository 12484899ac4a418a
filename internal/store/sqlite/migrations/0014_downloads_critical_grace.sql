-- Version 14: downloads counted once per source and day, and a grace
-- period for packages that become critical by downloads.
--
-- download_sources is the de-duplication set: one row per package, Unix
-- day and source (an HMAC of the client's address, IPv6 by /64). A
-- download is counted only when its row is new. Rows of past days can no
-- longer match and are swept.
CREATE TABLE download_sources (
	package_id INTEGER NOT NULL REFERENCES packages(id),
	day        INTEGER NOT NULL, -- Unix days
	source     TEXT NOT NULL,
	PRIMARY KEY (package_id, day, source)
) WITHOUT ROWID;
CREATE INDEX download_sources_day ON download_sources(day);

-- computed_since is when a package entered the computed (top downloads)
-- set, in Unix milliseconds; its maintainers then have a grace period to
-- add a security key. NULL while it is not in the set. Packages computed
-- critical before this version get 0: their grace period is long over,
-- as the rule already applied to them.
ALTER TABLE critical_packages ADD COLUMN computed_since INTEGER;
UPDATE critical_packages SET computed_since = 0 WHERE computed = 1;
