//go:build linux

package cli

import "golang.org/x/sys/unix"

// echoOff turns the terminal's echo off before a prompt is written, so
// that nothing typed right after the prompt appears (term.ReadPassword
// turns echo off only once it starts reading), and returns how to put
// the terminal back.
func echoOff(fd int) (restore func(), err error) {
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return func() {}, err
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return func() {}, err
	}
	return func() { unix.IoctlSetTermios(fd, unix.TCSETS, old) }, nil
}
