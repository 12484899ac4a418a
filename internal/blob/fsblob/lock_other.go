//go:build !unix

package fsblob

import "os"

// Without flock, temporary files are not locked: New removes them all, so
// only one process may use a store directory at a time.
func lockTemp(*os.File) (bool, error) { return true, nil }

func heldByOther(*os.File) (bool, error) { return false, nil }

// renameOpen: close a file before renaming it, as Windows requires.
const renameOpen = false
