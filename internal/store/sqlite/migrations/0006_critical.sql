-- Version 6: critical packages (AUTHN-2c, 3c). Times are Unix
-- milliseconds (UTC). A package is critical if an admin designated it or
-- the daily job computed it among the most downloaded.
CREATE TABLE critical_packages (
	package_id  INTEGER PRIMARY KEY REFERENCES packages(id),
	designated  INTEGER NOT NULL DEFAULT 0,
	computed    INTEGER NOT NULL DEFAULT 0,
	computed_at INTEGER NOT NULL DEFAULT 0
);
