-- Version 43: the upstream proxy (internal/upstream). The integrity of
-- each proxied name@version when first seen; other bytes under it are
-- refused afterwards. Each pin is also an event (upstream.pin).
CREATE TABLE upstream_pins (
	ecosystem  TEXT NOT NULL,
	name       TEXT NOT NULL,
	version    TEXT NOT NULL,
	upstream   TEXT NOT NULL,
	integrity  TEXT NOT NULL,
	first_seen INTEGER NOT NULL,
	PRIMARY KEY (ecosystem, name, version)
);
