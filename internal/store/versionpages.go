package store

import "github.com/rampart/rampart/internal/core"

// VersionPages holds what a version's web page reads beyond the version
// itself: the packages that depend on it, and the file list of its
// tarball, computed once from the immutable bytes and kept under their
// digest.
type VersionPages interface {
	// DependentsOf lists, by name, the live public packages of
	// ref.Ecosystem other than ref whose latest version (the "latest"
	// dist-tag, live or deprecated) depends on ref.Name: at most limit,
	// each named after after ("" for the first page). Restricted
	// packages are never listed, so the list is the same for every
	// reader.
	DependentsOf(ref core.PackageRef, after string, limit int) ([]Dependent, error)
	// TarballFiles is the file list kept for the tarball with this
	// digest (sha512 hex, the blob key); an error wrapping
	// core.ErrNotFound if none was kept yet.
	TarballFiles(digest string) ([]TarballFile, error)
	// PutTarballFiles keeps the file list of the tarball with this
	// digest. The bytes under a digest never change, so a list once kept
	// is right forever: a second put of the same digest changes nothing.
	PutTarballFiles(digest string, files []TarballFile) error
}

// Dependent is a package whose latest version depends on another: its
// name and that version.
type Dependent struct {
	Name    string
	Version string
}

// TarballFile is one regular file of a tarball: its path as the archive
// holds it (top-level folder included) and its size in bytes.
type TarballFile struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}
