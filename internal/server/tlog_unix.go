//go:build unix

package server

import "syscall"

// ownerOnlyFiles makes every file and folder this process creates from
// now on owner-only (umask 077). Tessera's POSIX driver creates the
// log's files 0644 and folders 0755; the data folder's rule is
// owner-only for everything in it (a mirror serves the log over HTTP,
// not from the folder).
func ownerOnlyFiles() { syscall.Umask(0o077) }
