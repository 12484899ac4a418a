// Package diskspace knows how much room the data folder has left and
// what running out looks like: the free bytes of a folder's filesystem,
// and the one error every layer turns a full disk into, so that clients
// are told "registry out of space" (HTTP 507) instead of a generic 500.
package diskspace

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// ErrFull is the error of a write refused because the data folder's disk
// is full, or below the operator's minimum of free space. Its message is
// what npm prints.
var ErrFull = errors.New("registry out of space: the server's disk is full, so nothing can be stored now; try again later (operators: free space in the data folder, see docs/operations.md)")

// Below returns an error wrapping ErrFull for a disk with free bytes left,
// under the minimum min.
func Below(free, min uint64) error {
	return fmt.Errorf("%w (%d MiB free, the minimum is %d MiB)", ErrFull, free>>20, min>>20)
}

// IsFull reports whether err comes from a full disk: ErrFull, the
// system's ENOSPC or EDQUOT (a quota), or SQLite's "database or disk is
// full" (SQLITE_FULL, which the driver reports as text).
func IsFull(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrFull) || errors.Is(err, syscall.ENOSPC) || isQuota(err) {
		return true
	}
	return strings.Contains(err.Error(), "database or disk is full") || strings.Contains(err.Error(), "SQLITE_FULL")
}
