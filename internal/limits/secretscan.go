package limits

import "time"

// Bounds on secret-scanning reports (internal/secretscan) and on what a
// scan of an uploaded package keeps (internal/secretfind).
const (
	// MaxScanReportBytes bounds the body of a secret-scanning report
	// (POST /-/secret-scanning/<scanner>), read whole before its signature
	// is checked. GitHub batches matches; a thousand of them fit in far
	// less.
	MaxScanReportBytes = 1 * MiB
	// MaxScanReportTokens bounds the matches one report may list: each is
	// a lookup and possibly a revocation in one transaction.
	MaxScanReportTokens = 1000
	// MaxScanReportFieldBytes bounds each of a match's type, url and
	// source as an event records them (events are kept for ever).
	MaxScanReportFieldBytes = 2048
	// MaxScanKeysBytes bounds the scanner's public key list as fetched.
	MaxScanKeysBytes = 256 * 1024
	// MaxScanKeys bounds the keys one list may hold.
	MaxScanKeys = 64
	// ScanKeysTimeout bounds one fetch of a scanner's key list.
	ScanKeysTimeout = 10 * time.Second
	// ScanKeysRefetchInterval is the least time between two fetches of a
	// scanner's key list: a report naming an unknown key refetches at most
	// this often, so forged reports cannot make the registry hammer the
	// scanner's key URL.
	ScanKeysRefetchInterval = time.Minute
	// ScanKeysMaxAge is how long a fetched key list is used before it is
	// fetched again (a key the scanner withdrew stops being trusted).
	ScanKeysMaxAge = 24 * time.Hour
	// MaxSecretFindings bounds the credentials one upload's scan records;
	// past it the upload is refused all the same, and the rest are not
	// listed.
	MaxSecretFindings = 64
)
