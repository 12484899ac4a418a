// Package tarball reads npm package tarballs (gzip-compressed tar) from
// untrusted uploads. It reads every archive twice in one pass: with Go's
// archive/tar, to learn the files, and with a strict block-by-block reader
// that refuses any archive npm's own tar reader could read differently
// (docs/tarballs.md). It is pure: no database, no HTTP; every bound comes
// from internal/limits and is checked while it reads.
package tarball
