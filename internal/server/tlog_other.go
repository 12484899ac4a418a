//go:build !unix

package server

// ownerOnlyFiles: no umask outside unix; the data folder's own
// permissions protect it there.
func ownerOnlyFiles() {}
