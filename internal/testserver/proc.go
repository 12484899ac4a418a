package testserver

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// PID is the server process's id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// PeakRSS is the most resident memory the server process has used so far
// (VmHWM in /proc/<pid>/status), in bytes: what an attack on memory
// costs the machine, whatever the garbage collector did since.
func (s *Server) PeakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.PID()))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("VmHWM: %w", err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", s.PID())
}
