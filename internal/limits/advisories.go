package limits

import "time"

// Bounds on advisory imports and the OSV API (internal/advisory,
// internal/osvapi). One OSV record is bounded by osv.MaxRecordBytes.
const (
	// MaxAdvisoryImportBytes bounds an advisory import: a zip on disk or
	// downloaded by the scheduled pull (OSV's npm/all.zip is tens of MiB).
	MaxAdvisoryImportBytes = 1024 * MiB
	// MaxAdvisoryImportFiles bounds the records of one import (OSV's
	// npm export holds a few hundred thousand at most).
	MaxAdvisoryImportFiles = 1_000_000
	// MaxAdvisoryImportUnpackedBytes bounds the bytes an import's zip
	// yields, all records together, counted as they inflate: the sizes
	// a zip declares are not trusted.
	MaxAdvisoryImportUnpackedBytes = 8192 * MiB
	// AdvisoryPullTimeout bounds one scheduled pull, download and import.
	AdvisoryPullTimeout = 30 * time.Minute

	// MaxOSVQueryBytes bounds the body of POST /-/osv/v1/query.
	MaxOSVQueryBytes = 64 * 1024
	// MaxOSVBatchBytes bounds the body of POST /-/osv/v1/querybatch.
	MaxOSVBatchBytes = 4 * MiB
	// MaxOSVBatchQueries bounds the queries of one batch (api.osv.dev's
	// own limit is 1000).
	MaxOSVBatchQueries = 1000
)
