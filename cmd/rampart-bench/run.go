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
	"runtime"
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
	scan        string // -publish: "on", "off" or "both" (scanPublish)
	nginx       bool
	nginxBin    string
	serveChild  bool
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
	fs.StringVar(&o.scan, "scan", scanOn, "with -publish: the malware scan of each publish \"on\" (the default registry's), \"off\", or \"both\": two runs on fresh registries and the scan's cost per publish (see docs/benchmarks.md)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of each measured scenario to PREFIX.<scenario>.pprof")
	fs.BoolVar(&o.nginx, "nginx", false, "also serve the same bytes from a static nginx and run every scenario against both, side by side")
	fs.StringVar(&o.nginxBin, "nginx-bin", "nginx", "the nginx binary for -nginx")
	fs.BoolVar(&o.serveChild, "serve-child", false, "internal: serve the registry over -data and print its URL (what -nginx runs the registry as)")
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
	case o.scan != scanOn && o.scan != scanOff && o.scan != scanBoth:
		return o, usageErr("-scan %q: want on, off or both", o.scan)
	case set["scan"] && (o.publish == 0 || o.nginx):
		return o, usageErr("-scan is for the publish mode (-publish N) of the in-process registry, without -nginx")
	case o.target == "" && o.names != "":
		return o, usageErr("-names is only for -target; without -target the benchmark seeds its own packages")
	case o.target != "" && o.names == "":
		return o, usageErr("-target needs -names, a file listing the packages to read")
	case o.target != "" && o.nginx:
		return o, usageErr("-nginx compares with the in-process registry it seeds; it cannot be used with -target")
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
	if o.serveChild {
		err = serveChild(ctx, o.data, o.cpuProfile, stdin, stdout, stderr)
	} else {
		err = run(ctx, o, stdout, stderr)
	}
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
	var nginxBin string
	if o.nginx {
		// Say so before a minute of seeding, not after.
		if nginxBin, err = findNginx(o.nginxBin); err != nil {
			return err
		}
	}
	client := newClient(o.concurrency)
	defer client.CloseIdleConnections()

	var names []string
	var serverPIDs []int // the registry's, when it runs in a child process
	base := o.target
	if o.publish > 0 && o.scan == scanBoth {
		return runPublishScans(ctx, o, stdout, stderr)
	}
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
		if o.nginx {
			// A process of its own, as nginx has (startChild says why).
			var prof string
			if o.cpuProfile != "" {
				prof = o.cpuProfile + ".server.pprof"
			}
			var srv *childServer
			if srv, err = startChild(ctx, data, prof, stderr); err != nil {
				return err
			}
			defer func() {
				client.CloseIdleConnections()
				err = errors.Join(err, srv.stop())
			}()
			base, serverPIDs = srv.url, []int{srv.pid}
			rep.Params.Server = fmt.Sprintf("child process %d (GOMAXPROCS %d) %s", srv.pid, runtime.GOMAXPROCS(0), base)
		} else {
			var srv *inProcess
			srv, err = startServer(ctx, data, o.scan != scanOff, stderr)
			if err != nil {
				return err
			}
			defer func() {
				client.CloseIdleConnections()
				err = errors.Join(err, srv.stop())
			}()
			base = srv.url
			rep.Params.Server = "in-process " + base
		}
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

	var ngx *nginxServer
	var ngxScenarios []scenario
	if o.nginx {
		var nc *corpus
		ngx, nc, err = startBeside(ctx, client, base, c, nginxBin, stderr)
		if err != nil {
			return err
		}
		defer func() {
			client.CloseIdleConnections() // nginx's graceful stop waits for them
			err = errors.Join(err, ngx.stop(), os.RemoveAll(ngx.dir))
		}()
		rep.Nginx = &nginxReport{Version: ngx.version, URL: ngx.url, Workers: runtime.GOMAXPROCS(0)}
		ngxScenarios = scenarios(nc)
	}

	for i, sc := range scenarios(c) {
		fmt.Fprintf(stderr, "rampart-bench: %s: %v warm-up, then %v measured with %d workers\n", sc.name, o.warmup, o.duration, o.concurrency)
		res, err := runScenario(ctx, client, sc, o, serverPIDs == nil, serverPIDs)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", sc.name, err)
		}
		rep.Results = append(rep.Results, res)
		if ngx != nil {
			// Right after the same scenario against the registry, so
			// that both see the same load from the rest of the machine.
			fmt.Fprintf(stderr, "rampart-bench: %s against nginx\n", sc.name)
			res, err := runScenario(ctx, client, ngxScenarios[i], o, false, ngx.pids())
			if err != nil {
				return fmt.Errorf("scenario %s against nginx: %w", sc.name, err)
			}
			rep.Nginx.Results = append(rep.Nginx.Results, res)
		}
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
	if rep.Nginx != nil {
		for _, r := range rep.Nginx.Results {
			failed += r.Errors
		}
	}
	if failed > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("%d requests failed (see first_error in the report)", failed)}
	}
	return nil
}

// startBeside exports the registry's documents and tarballs, serves them
// with nginx, and reads them back from it once, as discover does for the
// registry (nginx's ETags differ from the registry's).
func startBeside(ctx context.Context, client *http.Client, base string, c *corpus, bin string, stderr io.Writer) (*nginxServer, *corpus, error) {
	dir, err := os.MkdirTemp("", "rampart-bench-nginx-")
	if err != nil {
		return nil, nil, err
	}
	// nginx's workers may run as another user (nobody, when started as
	// root): the synthetic files are for everyone to read.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, nil, errors.Join(err, os.RemoveAll(dir))
	}
	fmt.Fprintf(stderr, "rampart-bench: writing the same documents and tarballs to %s for nginx\n", dir)
	if err := exportCorpus(ctx, client, base, c, dir); err != nil {
		return nil, nil, errors.Join(err, os.RemoveAll(dir))
	}
	ngx, err := startNginx(ctx, bin, dir, url.PathEscape(c.names[0]))
	if err != nil {
		return nil, nil, errors.Join(err, os.RemoveAll(dir))
	}
	fmt.Fprintf(stderr, "rampart-bench: %s at %s; reading every package once from it\n", ngx.version, ngx.url)
	nc, err := discover(ctx, client, ngx.url, c.names)
	if err != nil {
		err = fmt.Errorf("reading the packages from nginx: %w", err)
		return nil, nil, errors.Join(err, ngx.stop(), os.RemoveAll(dir))
	}
	return ngx, nc, nil
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
