//go:build !unix

package server

import "os"

// Without flock the data folder is not locked: run one server per folder.
func tryLock(*os.File) (bool, error) { return false, nil }
