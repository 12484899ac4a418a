//go:build unix

package diskspace

import (
	"errors"
	"syscall"
)

// Free returns the bytes an unprivileged user may still write on the
// filesystem that holds dir.
func Free(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

func isQuota(err error) bool { return errors.Is(err, syscall.EDQUOT) }
