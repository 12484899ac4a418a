package limits

// MaxNoticeUserAgent bounds the User-Agent an account event keeps for
// its notice (a new device, wrong codes, a change of address asked for,
// a recovery cancelled at sign-in): the client chooses it, and the event
// log keeps it forever. It is what the mail shows of it, too.
const MaxNoticeUserAgent = 256
