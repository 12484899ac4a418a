package limits

import "time"

// MaxNoticeUserAgent bounds the User-Agent an account event keeps for
// its notice (a new device, wrong codes, a change of address asked for,
// a recovery cancelled at sign-in): the client chooses it, and the event
// log keeps it forever. It is what the mail shows of it, too.
const MaxNoticeUserAgent = 256

// The outbox's notifiers (internal/notifier).
const (
	// NoticeEventGrace is how long the event a notifier is mailing may
	// still take once a stop was asked for, so that the stop falls on an
	// event boundary and the next start repeats no mail; also the bound
	// on saving its cursor then. Shutdown's shares of its budget leave
	// room for it.
	NoticeEventGrace = 2 * time.Second
	// NoticeRetryMin is a failed notifier's first wait before it tries
	// again; each further failure doubles it, up to NoticeRetryMax. The
	// other notifiers go on meanwhile.
	NoticeRetryMin = 5 * time.Second
	NoticeRetryMax = 5 * time.Minute
)
