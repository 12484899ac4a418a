package core

// FileRef names a stored package file and the version that refers to it:
// what a scrub checks and a backup copies. Unpublished versions keep their
// files (a name@version is never re-used), so they are refs too.
type FileRef struct {
	Package   string
	Version   string
	Digest    string // sha512 hex: the blob key
	Integrity string // sha512-<base64>, as served
	Live      bool   // not unpublished
	// Provenance marks the version's provenance bundle rather than its
	// artifact (Integrity is then "").
	Provenance bool
}

// EventFileDamaged records that the registry refused to serve a version's
// stored file because it no longer hashes to its digest, or is gone.
// Written once per file per server process, so that clients retrying do
// not flood the outbox.
const EventFileDamaged = "package.file_damaged"
