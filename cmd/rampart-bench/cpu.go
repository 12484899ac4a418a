package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuSample is a reading of the machine's and this process's CPU time, to
// tell afterwards how much of the machine other processes took during a
// scenario. Client and server share the machine; a third party on it
// makes the figures worse, and the report should say so.
type cpuSample struct {
	ok          bool
	busy, total uint64 // jiffies from /proc/stat, all CPUs
	self        time.Duration
	at          time.Time
}

// sampleCPU reads the machine's CPU time and this process's; the CPU
// time of pids (a server measured beside this process, such as nginx)
// counts as this process's, so that it is not taken for other load.
func sampleCPU(pids ...int) cpuSample {
	s := cpuSample{at: time.Now()}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return s
	}
	s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	for _, pid := range pids {
		s.self += processCPU(pid)
	}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return s
	}
	// user nice system idle iowait irq softirq steal (guest time is
	// already in user).
	var v [8]uint64
	for i := range v {
		if v[i], err = strconv.ParseUint(f[i+1], 10, 64); err != nil {
			return s
		}
		s.total += v[i]
	}
	s.busy = s.total - v[3] - v[4]
	s.ok = true
	return s
}

// selfCPU is this process's CPU time so far (user and system).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU is the CPU time of pids so far.
func serverCPU(pids []int) time.Duration {
	var d time.Duration
	for _, pid := range pids {
		d += processCPU(pid)
	}
	return d
}

// processCPU is the user and system time of pid so far, from
// /proc/<pid>/stat (in clock ticks, 100 a second on Linux); 0 if unknown.
func processCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// count fields after its closing one.
	_, rest, ok := strings.Cut(string(b), ") ")
	if !ok {
		return 0
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * (time.Second / 100)
}

// cpuShare is the machine's CPU use between two samples, in percent of
// all its CPUs: everything busy, this process (client and in-process
// server together), and the rest, which is other processes.
type cpuShare struct {
	MachinePct float64 `json:"machine_cpu_pct"`
	SelfPct    float64 `json:"bench_process_cpu_pct"`
	OtherPct   float64 `json:"other_processes_cpu_pct"`
}

func shareBetween(a, b cpuSample, ncpu int) (cpuShare, bool) {
	if !a.ok || !b.ok || b.total <= a.total {
		return cpuShare{}, false
	}
	machine := 100 * float64(b.busy-a.busy) / float64(b.total-a.total)
	self := 100 * (b.self - a.self).Seconds() / (b.at.Sub(a.at).Seconds() * float64(ncpu))
	return cpuShare{MachinePct: machine, SelfPct: self, OtherPct: max(machine-self, 0)}, true
}

// loadAverage is the first three fields of /proc/loadavg, or "".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
