//go:build unix

package fsblob

import (
	"errors"
	"os"
	"syscall"
)

// lockTemp takes the exclusive lock of a temporary file just created, and
// reports false if the file was removed before the lock was taken (by
// another process's New, which removes only what it holds locked).
func lockTemp(f *os.File) (bool, error) {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return false, err
	}
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return !ok || st.Nlink > 0, nil
}

// heldByOther reports whether some open file description holds f's lock:
// a Put under way. If not, f now holds the lock itself, until closed.
func heldByOther(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}

// renameOpen: a file may be renamed while open, keeping its lock.
const renameOpen = true
