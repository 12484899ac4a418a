package limits

// Bounds on what the client commands (rampart sbom, audit, fix) read from
// a registry or an OSV export: the registry's answers are untrusted input
// to the client.
const (
	// MaxOSVResponseBytes bounds one answer of an OSV API (a querybatch
	// of 1,000 queries, or one query's records).
	MaxOSVResponseBytes = 64 * MiB
	// MaxOSVRecordBytes bounds one OSV record file in an --osv-dir folder
	// or inside one of its zips.
	MaxOSVRecordBytes = 16 * MiB
	// MaxOSVBatch is the most queries sent in one querybatch (the public
	// OSV API's own limit).
	MaxOSVBatch = 1000
	// MaxOSVPages bounds how many next_page_token pages one query follows.
	MaxOSVPages = 100
)
