//go:build !unix

package diskspace

import "errors"

// Free is not measured on this system: it reports an error, and the
// checks that read it say so instead of guessing.
func Free(string) (uint64, error) { return 0, errors.New("free space is not measured on this system") }

func isQuota(error) bool { return false }
