package limits

// The transparency log's read endpoints (internal/logapi).
const (
	// LogFeedPage is the most entries one page of GET /-/log/feed
	// returns (and its default is LogFeedDefault): a page costs at most
	// a few entry-bundle reads.
	LogFeedPage    = 1000
	LogFeedDefault = 100
	// LogLookupEvents is how many of a package's newest events a lookup
	// of name@version searches: a version's entries are among them
	// unless the package has had more events since.
	LogLookupEvents = 10000
)
