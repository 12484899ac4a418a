package testserver

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Signal sends sig (SIGTERM, SIGINT) to the server, as a service manager
// or Ctrl-C would, without waiting.
func (s *Server) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// WaitExit waits up to timeout for the server to exit and returns its
// exit code; it fails the test if the server is still running then.
func (s *Server) WaitExit(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case err := <-s.done:
		if err == nil {
			return 0
		}
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		t.Fatalf("waiting for the server: %v", err)
	case <-time.After(timeout):
		s.cmd.Process.Kill()
		<-s.done
		t.Fatalf("the server did not exit within %v\n%s", timeout, s.Log())
	}
	return -1
}

// ConfigFile is the path of the configuration the server runs with.
func (s *Server) ConfigFile() string { return s.cfgFile }

// Env is the environment the server was started with (Options.Env on top
// of the test's own).
func (s *Server) Env() []string { return append(os.Environ(), s.opts.Env...) }
