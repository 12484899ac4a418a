package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/server"
)

// inProcess is the registry under test, running in this process exactly as
// `rampart serve` runs it: server.Serve on a loopback listener.
type inProcess struct {
	url  string
	stop func() error
}

// startServer serves a registry over data on 127.0.0.1 and a free port,
// and returns once it answers its health check. The server logs warnings
// and errors to logw. stop shuts it down (flushing download counts) and
// reports how Serve ended. scan turns the malware scan of publishes on
// (as a registry has it by default) or off.
func startServer(ctx context.Context, data string, scan bool, logw io.Writer) (*inProcess, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cfg := config.Default()
	cfg.Data = data
	cfg.Listen = ln.Addr().String()
	cfg.PublicURL = "http://" + cfg.Listen + "/"
	// The benchmark measures reads; argon2id's production cost would only
	// slow the one login of the seeding.
	cfg.InsecureFastPasswordHashing = true
	cfg.Passwords.HIBPDisabled = true // no network in a benchmark
	// The seeding account publishes without a second factor: the read
	// path being measured does not depend on the publish policy.
	cfg.MFA.InsecureMaintainersWithoutMFA = true
	cfg.Scan.Disabled = !scan
	if err := cfg.Validate(); err != nil {
		ln.Close()
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// Publishing needs a verified address: the seeding account is made
	// beforehand, verified, as an admin would (`rampart admin user create --verified`).
	if err := createBenchUser(ctx, cfg, log); err != nil {
		ln.Close()
		return nil, err
	}

	// The server's life is ours to end (stop), not the caller's context:
	// an interrupt still gets an orderly shutdown through stop.
	srvCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var serveErr error
	done := make(chan struct{})
	go func() {
		serveErr = server.Serve(srvCtx, cfg, ln, server.Options{Log: log})
		close(done)
	}()
	stop := func() error {
		cancel()
		<-done
		return serveErr
	}

	u := cfg.PublicURL
	if err := waitHealthy(ctx, u+"-/healthz", done); err != nil {
		if serr := stop(); serr != nil {
			err = fmt.Errorf("%w (the registry stopped: %w)", err, serr)
		}
		return nil, err
	}
	return &inProcess{url: u, stop: stop}, nil
}

// waitHealthy polls the health endpoint until it answers 200, the server
// stops (done is closed), or 30 seconds pass.
func waitHealthy(ctx context.Context, url string, done <-chan struct{}) error {
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := c.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				c.CloseIdleConnections()
				return nil
			}
		}
		select {
		case <-done:
			return errors.New("the registry stopped before it was ready")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("the registry did not answer its health check within 30s")
		}
	}
}

// createBenchUser creates the seeding account, verified, unless it exists.
func createBenchUser(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	svc, err := server.Open(ctx, cfg, server.Options{Log: log})
	if err != nil {
		return err
	}
	_, err = svc.Identity.CreateUser(ctx, "rampart-bench", identity.NewUser{Name: benchUser, Email: benchEmail, Password: benchPassword, Verified: true})
	if core.KindOf(err) == core.KindConflict {
		err = nil
	}
	return errors.Join(err, svc.Close(ctx))
}

// In -nginx mode the registry runs in a process of its own, as nginx
// does: in-process, it would share this process's GOMAXPROCS with the
// load generator while nginx's workers do not, and on a machine shared
// with other work the kernel would give the nginx side up to twice the
// registry's CPU time.

// childServer is the registry in a child process: this binary, run with
// -serve-child.
type childServer struct {
	url  string
	pid  int
	stop func() error
}

// startChild runs the registry over data in a child process with the
// same GOMAXPROCS as this one, and returns once it answers. The child
// stops (flushing, as rampart serve does) when its standard input closes.
func startChild(ctx context.Context, data, cpuProfile string, logw io.Writer) (*childServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"-serve-child", "-data", data}
	if cpuProfile != "" {
		args = append(args, "-cpuprofile", cpuProfile)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(runtime.GOMAXPROCS(0)))
	cmd.Stderr = logw
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() error {
		stdin.Close()
		return cmd.Wait()
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return nil, errors.Join(fmt.Errorf("the registry's process did not start: %w", err), stop())
	}
	u := strings.TrimSpace(line)
	if err := waitHealthy(ctx, u+"-/healthz", nil); err != nil {
		return nil, errors.Join(err, stop())
	}
	return &childServer{url: u, pid: cmd.Process.Pid, stop: stop}, nil
}

// serveChild is the child's side of startChild: serve, print the URL,
// and stop once standard input closes. With cpuProfile, the whole life
// of the server is profiled into it.
func serveChild(ctx context.Context, data, cpuProfile string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	if data == "" {
		return usageErr("-serve-child needs -data")
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	srv, err := startServer(ctx, data, true, stderr)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(stdout, srv.url); err != nil {
		return errors.Join(err, srv.stop())
	}
	stopped := make(chan struct{})
	go func() {
		io.Copy(io.Discard, stdin)
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-ctx.Done():
	}
	return srv.stop()
}
