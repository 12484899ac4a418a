package limits

// MaxPendingDownloads bounds the downloads a server holds in memory
// between two writes of the counts: each distinct (package, day, source)
// is one entry. Anonymous clients decide how many sources there are, so
// past the bound a download is not counted (and a write is started at
// once) rather than let memory grow.
const MaxPendingDownloads = 100_000
