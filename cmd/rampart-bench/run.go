package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// exitError carries a process exit code to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }
func (e *exitError) ExitCode() int { return e.code }

const (
	exitFailed = 1 // the run failed, or some requests failed
	exitUsage  = 2 // the command line is wrong
)

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// options are the command-line settings of one run.
type options struct {
	packages    int
	versions    int
	tarballKB   int
	concurrency int
	duration    time.Duration
	warmup      time.Duration
	seed        uint64
	data        string
	target      string
	names       string
	json        bool
	cpuProfile  string
	publish     int
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("rampart-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.packages, "packages", 200, "number of packages to seed")
	fs.IntVar(&o.versions, "versions", 5, "versions per package to seed")
	fs.IntVar(&o.tarballKB, "tarball-kb", 16, "incompressible payload per tarball, in KiB (the .tgz is about this size)")
	fs.IntVar(&o.concurrency, "concurrency", 32, "concurrent client workers (and idle connections kept per host)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per scenario")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load before each scenario")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the random choice of packages and of the tarball payloads")
	fs.StringVar(&o.data, "data", "", "data folder of the in-process registry (default: a temporary folder, removed at the end)")
	fs.StringVar(&o.target, "target", "", "URL of a running registry to measure instead (no seeding; needs -names)")
	fs.StringVar(&o.names, "names", "", "file of package names, one a line, to read from -target")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.IntVar(&o.publish, "publish", 0, "instead of the read benchmark, publish this many versions into one package and report publish cost at the first and the last versions (see docs/benchmarks.md)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of each measured scenario to PREFIX.<scenario>.pprof")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: rampart-bench [flags]\n\nMeasures Rampart's read path (packument and tarball GETs); see docs/benchmarks.md.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, &exitError{code: 0, err: err}
		}
		return o, &exitError{code: exitUsage, err: err}
	}
	if fs.NArg() > 0 {
		return o, usageErr("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case o.packages < 1 || o.versions < 1:
		return o, usageErr("-packages and -versions must be at least 1")
	case o.tarballKB < 1 || o.tarballKB > 64*1024:
		return o, usageErr("-tarball-kb must be between 1 and 65536")
	case o.concurrency < 1:
		return o, usageErr("-concurrency must be at least 1")
	case o.duration <= 0 || o.warmup < 0:
		return o, usageErr("-duration must be positive and -warmup not negative")
	case o.publish < 0 || (o.publish > 0 && o.target != ""):
		return o, usageErr("-publish must be positive and measures the in-process registry only (no -target)")
	case o.target == "" && o.names != "":
		return o, usageErr("-names is only for -target; without -target the benchmark seeds its own packages")
	case o.target != "" && o.names == "":
		return o, usageErr("-target needs -names, a file listing the packages to read")
	case o.target != "" && (set["data"] || set["packages"] || set["versions"] || set["tarball-kb"]):
		return o, usageErr("-data, -packages, -versions and -tarball-kb describe the seeded in-process registry; they cannot be used with -target")
	}
	if o.target != "" {
		u, err := url.Parse(o.target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return o, usageErr("-target %q: want an absolute http or https URL", o.target)
		}
		if !strings.HasSuffix(o.target, "/") {
			o.target += "/"
		}
	}
	return o, nil
}

// Run runs the benchmark with the process given as parameters. Progress
// goes to stderr, the report to stdout.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if ec := (*exitError)(nil); errors.As(err, &ec) && ec.code == 0 {
			return nil // -h
		}
		fmt.Fprintln(stderr, "rampart-bench:", err)
		return err
	}
	err = run(ctx, o, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "rampart-bench:", err)
		if ec := (*exitError)(nil); !errors.As(err, &ec) {
			err = &exitError{code: exitFailed, err: err}
		}
	}
	return err
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) (err error) {
	rep := &report{Machine: machineFacts(), Params: paramsOf(o)}
	client := newClient(o.concurrency)
	defer client.CloseIdleConnections()

	var names []string
	base := o.target
	if o.target == "" {
		data := o.data
		if data == "" {
			data, err = os.MkdirTemp("", "rampart-bench-")
			if err != nil {
				return err
			}
			defer func() {
				if rerr := os.RemoveAll(data); rerr != nil {
					err = errors.Join(err, rerr)
				}
			}()
			rep.Params.Data = "(temporary) " + data
		}
		var srv *inProcess
		srv, err = startServer(ctx, data, stderr)
		if err != nil {
			return err
		}
		defer func() {
			client.CloseIdleConnections()
			err = errors.Join(err, srv.stop())
		}()
		base = srv.url
		rep.Params.Server = "in-process " + base
		if o.publish > 0 {
			fmt.Fprintf(stderr, "rampart-bench: registry at %s, data in %s; publishing %d versions of %s\n", base, data, o.publish, publishName)
			return runPublish(ctx, client, base, o, stdout, stderr)
		}
		fmt.Fprintf(stderr, "rampart-bench: registry at %s, data in %s; seeding %d packages x %d versions\n", base, data, o.packages, o.versions)
		rep.Seeding, err = seed(ctx, client, base, o, stderr)
		if err != nil {
			return fmt.Errorf("seeding: %w", err)
		}
		names = packageNames(o.packages)
	} else {
		names, err = readNames(o.names)
		if err != nil {
			return err
		}
		rep.Params.Server = "external " + base
		rep.Params.Packages = len(names)
	}

	fmt.Fprintf(stderr, "rampart-bench: reading %d packages once to collect ETags and tarball URLs\n", len(names))
	c, err := discover(ctx, client, base, names)
	if err != nil {
		return fmt.Errorf("reading the seeded packages: %w", err)
	}
	rep.Corpus = c.summary()

	for _, sc := range scenarios(c) {
		fmt.Fprintf(stderr, "rampart-bench: %s: %v warm-up, then %v measured with %d workers\n", sc.name, o.warmup, o.duration, o.concurrency)
		res, err := runScenario(ctx, client, sc, o)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", sc.name, err)
		}
		rep.Results = append(rep.Results, res)
	}

	if o.json {
		err = rep.writeJSON(stdout)
	} else {
		err = rep.writeText(stdout)
	}
	if err != nil {
		return err
	}
	var failed int64
	for _, r := range rep.Results {
		failed += r.Errors
	}
	if failed > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("%d requests failed (see first_error in the report)", failed)}
	}
	return nil
}

// newClient is the load generator's client: one shared transport that
// keeps a connection per worker, never proxies, and never decompresses,
// so that bodies are counted as they travel and the client spends no CPU
// on gunzip (client and server share the machine).
func newClient(concurrency int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        0, // no overall limit; the per-host one below applies
		MaxIdleConnsPerHost: concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// readNames reads a file of package names, one a line; blank lines and
// lines starting with # are skipped.
func readNames(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			names = append(names, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s lists no package names", path)
	}
	return names, nil
}
