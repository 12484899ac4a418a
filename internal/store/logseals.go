package store

// LogSeal is the transparency log's decision for one event (internal/tlog):
// its leaf is the event's plain entry (Salt nil) or a sealed commitment to
// it, made with Salt. It is made once, when the sequencer first reaches the
// event, and kept, so that the event's leaf stays the same bytes however
// the package's access changes later (a restart re-appends, and checks,
// the same leaves).
type LogSeal struct {
	Seq  int64
	Salt []byte // nil: the leaf is plain; else 32 random bytes, never shown to whoever may not read the package
}

// LogSeals keeps the transparency log's sealing decisions.
type LogSeals interface {
	// PutLogSeal records s; an error wrapping core.ErrConflict if its
	// event has a decision already (the first stays).
	PutLogSeal(s LogSeal) error
	// LogSeals returns the decisions of the events numbered from to to
	// (both included), by sequence number; an event without a decision is
	// absent.
	LogSeals(from, to int64) ([]LogSeal, error)
	// LatestLogSeal returns the decision of the latest event about the
	// package packageName numbered below before that has one; ok is false
	// if none has.
	LatestLogSeal(packageName string, before int64) (s LogSeal, ok bool, err error)
}
