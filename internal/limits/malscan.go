package limits

// Bounds on the malware scan (internal/malscan, docs/moderation.md). The
// artifact itself was already bounded by the publish (Limits.TarballBytes,
// UnpackedBytes, Files); these bound what the scan keeps in memory and
// reports.
const (
	// MaxScanFileBytes is how much of one file the rules read: the rest
	// is hashed (the blocklist sees every byte) but not matched. Install
	// scripts and droppers are small; a rule that needs more of a huge
	// bundle is a YARA rule's job.
	MaxScanFileBytes = 1 * MiB
	// MaxScanTotalBytes bounds the file bytes one scan holds for its
	// rules at once (the sum over files of what MaxScanFileBytes lets
	// through); files past it are hashed only.
	MaxScanTotalBytes = 32 * MiB
	// MaxScanFindings bounds the findings one scan records: one is enough
	// to hold the version.
	MaxScanFindings = 64
	// MaxScanExcerptBytes bounds the excerpt of a file kept with a
	// finding (the evidence a moderator reads).
	MaxScanExcerptBytes = 200
	// MaxRuleFileBytes bounds an operator rule file read at start-up.
	MaxRuleFileBytes = 4 * MiB
	// MaxRulePatternBytes bounds one pattern of an operator rule.
	MaxRulePatternBytes = 4096
	// MaxModerationReasonBytes bounds a moderator's reason for a hold,
	// removal or confirmation.
	MaxModerationReasonBytes = 2048
	// MaxDiffFileBytes bounds each side of a file compared on the
	// moderation page, and MaxDiffFiles the changed files shown.
	MaxDiffFileBytes = 64 * 1024
	MaxDiffFiles     = 20
	// EvidenceContextLines are the lines shown either side of a finding
	// on a held proxied version's evidence page, and
	// MaxEvidenceLineBytes bounds each (minified code is one line).
	EvidenceContextLines = 5
	MaxEvidenceLineBytes = 400
)
