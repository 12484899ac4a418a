package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// report is everything a run prints: enough to repeat it and to compare.
type report struct {
	Machine machine       `json:"machine"`
	Params  params        `json:"params"`
	Seeding *seedStats    `json:"seeding,omitempty"`
	Corpus  corpusSummary `json:"corpus"`
	Results []result      `json:"results"`
	// Nginx is the same scenarios against nginx serving the same bytes
	// (-nginx), each run right after the registry's.
	Nginx *nginxReport `json:"nginx,omitempty"`
}

// nginxReport describes the nginx run beside the registry.
type nginxReport struct {
	Version string   `json:"version"`
	URL     string   `json:"url"`
	Workers int      `json:"worker_processes"`
	Results []result `json:"results"`
}

// machine describes where the run happened.
type machine struct {
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	NumCPU     int    `json:"num_cpu"`
	CPUModel   string `json:"cpu_model"`
	Kernel     string `json:"kernel"`
	MemTotal   string `json:"mem_total"`
	Date       string `json:"date"`
	// LoadAverage is /proc/loadavg's 1, 5 and 15 minute figures at the start.
	LoadAverage string `json:"load_average"`
}

// params are the settings of the run, as flags.
type params struct {
	Packages    int    `json:"packages"`
	Versions    int    `json:"versions,omitempty"`
	TarballKB   int    `json:"tarball_kb,omitempty"`
	Concurrency int    `json:"concurrency"`
	Duration    string `json:"duration"`
	Warmup      string `json:"warmup"`
	Seed        uint64 `json:"seed"`
	Data        string `json:"data,omitempty"`
	Server      string `json:"server"`
	Command     string `json:"command"`
}

func paramsOf(o options) params {
	p := params{
		Packages: o.packages, Versions: o.versions, TarballKB: o.tarballKB, Concurrency: o.concurrency,
		Duration: o.duration.String(), Warmup: o.warmup.String(), Seed: o.seed, Data: o.data,
	}
	cmd := fmt.Sprintf("go run ./cmd/rampart-bench -concurrency %d -duration %s -warmup %s -seed %d", o.concurrency, o.duration, o.warmup, o.seed)
	if o.nginx {
		cmd += " -nginx"
	}
	if o.target == "" {
		cmd += fmt.Sprintf(" -packages %d -versions %d -tarball-kb %d", o.packages, o.versions, o.tarballKB)
	} else {
		p.Versions, p.TarballKB = 0, 0
		cmd += fmt.Sprintf(" -target %s -names %s", o.target, o.names)
	}
	p.Command = cmd
	return p
}

func machineFacts() machine {
	m := machine{
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(),
		CPUModel: "unknown", Kernel: "unknown", MemTotal: "unknown",
		Date: time.Now().UTC().Format(time.RFC3339), LoadAverage: loadAverage(),
	}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.CPUModel = v
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		kb, err := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64)
		if err == nil {
			m.MemTotal = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return m
}

// procField returns the value of the first "key : value" line of a /proc
// file, or "".
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r *report) writeText(w io.Writer) error {
	m, p, c := r.Machine, r.Params, r.Corpus
	b := &strings.Builder{}
	fmt.Fprintf(b, "rampart-bench  %s\n", m.Date)
	fmt.Fprintf(b, "go          %s %s/%s\n", m.GoVersion, m.OS, m.Arch)
	fmt.Fprintf(b, "gomaxprocs  %d (NumCPU %d)\n", m.GOMAXPROCS, m.NumCPU)
	fmt.Fprintf(b, "cpu         %s\n", m.CPUModel)
	fmt.Fprintf(b, "kernel      %s, memory %s, load average at start %s\n", m.Kernel, m.MemTotal, m.LoadAverage)
	fmt.Fprintf(b, "command     %s\n", p.Command)
	fmt.Fprintf(b, "server      %s\n", p.Server)
	if p.Data != "" {
		fmt.Fprintf(b, "data        %s\n", p.Data)
	}
	fmt.Fprintf(b, "load        %d workers, %s warm-up + %s per scenario, seed %d\n", p.Concurrency, p.Warmup, p.Duration, p.Seed)
	if s := r.Seeding; s != nil {
		fmt.Fprintf(b, "seeding     %d publishes in %.1fs (%.1f/s) through PUT /<name>\n", s.Publishes, s.Seconds, s.PublishesPerS)
	}
	fmt.Fprintf(b, "corpus      %d packages, %d tarballs; avg full packument %s (gzip %s), abbreviated gzip %s, tarball %s\n\n",
		c.Packages, c.Tarballs, size(c.AvgFullBytes), size(c.AvgFullGzipBytes), size(c.AvgAbbrevGzBytes), size(c.AvgTarballBytes))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	const row = "%-17s %9v %7v %8v %7v %7v %7v %7v %7v %9v\n"
	fmt.Fprintf(w, row, "scenario", "requests", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "MB/s", "other CPU")
	for _, x := range r.Results {
		other := "?"
		if x.CPU != nil {
			other = fmt.Sprintf("%.0f%%", x.CPU.OtherPct)
		}
		if _, err := fmt.Fprintf(w, row, x.Scenario, x.Requests, x.Errors, fmt.Sprintf("%.0f", x.PerSecond),
			fmt.Sprintf("%.2f", x.P50ms), fmt.Sprintf("%.2f", x.P90ms), fmt.Sprintf("%.2f", x.P99ms),
			fmt.Sprintf("%.1f", x.MaxMs), fmt.Sprintf("%.1f", x.MBps), other); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "(other CPU: the share of the machine's CPUs that other processes used during the scenario;\n a run is only comparable when it is near 0%)")
	for _, x := range r.Results {
		if x.FirstError != "" {
			fmt.Fprintf(w, "%s: first error: %s\n", x.Scenario, x.FirstError)
		}
	}
	if r.Nginx != nil {
		return r.writeNginx(w)
	}
	return nil
}

// writeNginx prints the registry and nginx side by side, scenario by
// scenario, with the ratio of their request rates.
func (r *report) writeNginx(w io.Writer) error {
	n := r.Nginx
	fmt.Fprintf(w, "\nside by side with nginx %s (%d worker processes, gzip per request) serving the same bytes\n", n.Version, n.Workers)
	const row = "%-17s %13v %11v %13v %9v %9v %9v %9v %11v %11v %9v\n"
	fmt.Fprintf(w, row, "scenario", "rampart req/s", "nginx req/s", "rampart/nginx", "r p50 ms", "n p50 ms", "r p99 ms", "n p99 ms", "r CPU us/req", "n CPU us/req", "CPU n/r")
	for i, x := range r.Results {
		if i >= len(n.Results) {
			break
		}
		y := n.Results[i]
		ratio := "?"
		if y.PerSecond > 0 {
			ratio = fmt.Sprintf("%.2fx", x.PerSecond/y.PerSecond)
		}
		// Server CPU per request: nginx's over the registry's, so that
		// above 1 the registry spends less, as req/s above 1 is faster.
		cpuRatio := "?"
		if x.ServerCPUus > 0 {
			cpuRatio = fmt.Sprintf("%.2fx", y.ServerCPUus/x.ServerCPUus)
		}
		if _, err := fmt.Fprintf(w, row, x.Scenario, fmt.Sprintf("%.0f", x.PerSecond), fmt.Sprintf("%.0f", y.PerSecond), ratio,
			fmt.Sprintf("%.2f", x.P50ms), fmt.Sprintf("%.2f", y.P50ms), fmt.Sprintf("%.2f", x.P99ms), fmt.Sprintf("%.2f", y.P99ms),
			fmt.Sprintf("%.1f", x.ServerCPUus), fmt.Sprintf("%.1f", y.ServerCPUus), cpuRatio); err != nil {
			return err
		}
	}
	for _, y := range n.Results {
		other := "?"
		if y.CPU != nil {
			other = fmt.Sprintf("%.0f%%", y.CPU.OtherPct)
		}
		fmt.Fprintf(w, "nginx %s: %d requests, %d errors, %.1f MB/s, other CPU %s\n", y.Scenario, y.Requests, y.Errors, y.MBps, other)
		if y.FirstError != "" {
			fmt.Fprintf(w, "nginx %s: first error: %s\n", y.Scenario, y.FirstError)
		}
	}
	return nil
}

func size(n int) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/1024)
}
