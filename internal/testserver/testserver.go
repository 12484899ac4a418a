// Package testserver runs the real rampart binary for end-to-end tests: it
// builds the binary once per test process, starts `rampart serve` on a
// loopback port with a fresh data folder, and stops it when the test ends.
package testserver

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/rampart/rampart/internal/clockctl"
	"github.com/rampart/rampart/internal/testpeers/dnsd"
	"github.com/rampart/rampart/internal/testpeers/rdapd"
	"github.com/rampart/rampart/internal/testpeers/smtpd"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// repoRoot finds the module root from this source file's location.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Binary builds ./cmd/rampart once and returns its path. It is a test
// build (-tags rampart_testclock): its clock is the settable one of
// internal/clockctl, which tests move with Server.Advance and
// Server.Freeze instead of waiting.
func Binary(t testing.TB) string {
	t.Helper()
	Slow(t, "builds and runs the real rampart binary")
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rampart-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "rampart")
		cmd := exec.Command("go", "build", "-tags", "rampart_testclock", "-o", binPath, "./cmd/rampart")
		cmd.Dir = repoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Options configure a server.
type Options struct {
	// Config is extra TOML appended to the generated config file (which
	// already turns on fast password hashing for tests).
	Config string
	// Data reuses a data folder (for restarts); empty means a fresh one.
	Data string
	// Env adds environment variables (KEY=VALUE).
	Env []string
	// Listen is the HOST:PORT to listen on (default 127.0.0.1:0, a new
	// port each start). Restart keeps it: a test that restarts the server
	// and keeps URLs it handed out (a lockfile's) sets it (FreeAddr).
	Listen string
	// SMTP starts a real SMTP server on loopback (internal/testpeers/smtpd)
	// and sends the registry's mail to it; read it through Server.Mail.
	// Without it, mail goes to the outbox folder in Data.
	SMTP bool
	// MailServer, when set, is the SMTP server the registry mails to
	// instead of one SMTP would start (a slow relay: smtpd.Options.Delay);
	// Restart keeps it.
	MailServer *smtpd.Server
	// HIBPURL is a Have I Been Pwned range server (internal/testpeers/hibp)
	// to check passwords against; empty disables HIBP (offline list only).
	HIBPURL string
	// DNSZone and RDAPDomains turn the abandoned-email-domain check on,
	// against a real DNS server (internal/testpeers/dnsd) serving DNSZone
	// and an RDAP server (internal/testpeers/rdapd) knowing RDAPDomains,
	// both on loopback. With neither, the check is off, so that tests
	// never wait on a real resolver.
	DNSZone     map[string]dnsd.Records
	RDAPDomains map[string]rdapd.Domain
	// RequireMFA keeps the registry's default MFA policy (Level 3: every
	// maintainer needs a second factor). Without it the server runs with
	// [mfa] insecure_maintainers_without_mfa = true, so that tests can publish
	// from accounts without one.
	RequireMFA bool
	// PathPrefix serves the registry under a path ("/npm"): its public
	// URL is http://localhost:PORT/npm/, on a port picked before start.
	PathPrefix string
}

// Server is a running `rampart serve`.
type Server struct {
	// URL is the public URL the server reports: http://localhost:PORT/
	// for its loopback listener, a secure context and a valid WebAuthn
	// relying party ID for a browser.
	URL  string
	Data string
	Addr string // localhost:PORT
	// Mail is the SMTP server receiving the registry's mail (Options.SMTP).
	Mail *smtpd.Server
	// DNS and RDAP are the email domain peers (Options.DNSZone, RDAPDomains).
	DNS  *dnsd.Server
	RDAP *rdapd.Server

	opts Options
	// cfgFile is the configuration the server runs with; admin commands
	// read it too, as an operator's would.
	cfgFile string
	cmd     *exec.Cmd
	done    chan error
	log     *lockedBuffer
	t       testing.TB
	// restarted is the server Restart started in this one's place: its
	// clock is the one to read and move from then on (an authapp.App
	// holding this Server follows it).
	restarted *Server
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var urlLine = regexp.MustCompile(`Rampart is serving (http://[^ ]+/) `)

// Start starts a server and registers its stop with t.Cleanup.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := Binary(t)
	if opts.Data == "" {
		opts.Data = filepath.Join(t.TempDir(), "data")
	}
	cfgFile := filepath.Join(t.TempDir(), "rampart.toml")
	// The harness's settings go under the test's own (Options.Config),
	// which wins where both set a key: TOML forbids a table twice, so the
	// two are merged rather than concatenated.
	cfg := map[string]any{}
	if _, err := toml.Decode(opts.Config, &cfg); err != nil {
		t.Fatalf("Options.Config: %v", err)
	}
	set := func(table, key string, v any) {
		tab, ok := cfg[table].(map[string]any)
		if !ok {
			tab = map[string]any{}
			cfg[table] = tab
		}
		if _, ok := tab[key]; !ok {
			tab[key] = v
		}
	}
	cfg["version"] = 1
	if _, ok := cfg["insecure_fast_password_hashing"]; !ok {
		cfg["insecure_fast_password_hashing"] = true
	}
	if opts.HIBPURL != "" {
		set("passwords", "hibp_url", opts.HIBPURL)
	} else {
		set("passwords", "hibp_disabled", true)
	}
	mailSrv := opts.MailServer
	if opts.SMTP && mailSrv == nil {
		mailSrv = smtpd.Start(t)
	}
	if mailSrv != nil {
		set("mail", "host", mailSrv.Host)
		set("mail", "port", mailSrv.Port)
		set("mail", "from", "Rampart <rampart@example.com>")
		set("mail", "tls", "insecure_none")
	}
	var dnsSrv *dnsd.Server
	var rdapSrv *rdapd.Server
	if opts.DNSZone != nil || opts.RDAPDomains != nil {
		// The test's DNS server also answers for the canary domain that
		// proves the resolver works (see [email_domains] canary_domain).
		zone := map[string]dnsd.Records{"canary.test": {NS: []string{"ns1.canary.test."}, A: []string{"192.0.2.53"}}}
		for name, recs := range opts.DNSZone {
			zone[name] = recs
		}
		dnsSrv, rdapSrv = dnsd.Start(t, zone), rdapd.Start(t, opts.RDAPDomains)
		set("email_domains", "check", true)
		set("email_domains", "canary_domain", "canary.test")
		set("email_domains", "dns_server", dnsSrv.Addr)
		set("email_domains", "rdap_server", rdapSrv.URL)
		set("email_domains", "timeout", "2s")
	} else {
		set("email_domains", "check", false)
	}
	set("mfa", "insecure_maintainers_without_mfa", !opts.RequireMFA)
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(cfg); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgFile, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Server{Data: opts.Data, Mail: mailSrv, DNS: dnsSrv, RDAP: rdapSrv, opts: opts, cfgFile: cfgFile, t: t, log: &lockedBuffer{}, done: make(chan error, 1)}
	listen, env := "127.0.0.1:0", opts.Env
	if opts.Listen != "" {
		listen = opts.Listen
	}
	if opts.PathPrefix != "" {
		// The public URL names the port, so pick it first.
		if opts.Listen == "" {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			listen = ln.Addr().String()
			ln.Close()
		}
		_, port, _ := net.SplitHostPort(listen)
		env = append(slices.Clip(env), "RAMPART_PUBLIC_URL=http://localhost:"+port+opts.PathPrefix+"/")
	}
	s.cmd = exec.Command(bin, "serve", "--config", cfgFile, "--data", opts.Data, "--listen", listen)
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stderr = s.log
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			s.log.Write([]byte(sc.Text() + "\n"))
			if m := urlLine.FindStringSubmatch(sc.Text()); m != nil && !sent {
				urls <- m[1]
				sent = true
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { s.done <- s.cmd.Wait() }()
	select {
	case s.URL = <-urls:
	case err := <-s.done:
		t.Fatalf("rampart serve exited at start: %v\n%s", err, s.log.String())
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		t.Fatalf("rampart serve did not report its URL in 60s\n%s", s.log.String())
	}
	if u, err := url.Parse(s.URL); err == nil {
		s.Addr = u.Host
	}
	s.waitHealthy()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.Stop()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.log.String())
		}
	})
	return s
}

func (s *Server) waitHealthy() {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.URL + "-/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("server at %s never became healthy\n%s", s.URL, s.log.String())
}

// Log returns what the server has printed so far.
func (s *Server) Log() string { return s.log.String() }

// Stop sends SIGTERM and waits for a clean exit.
func (s *Server) Stop() {
	s.t.Helper()
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Errorf("rampart serve did not exit cleanly on SIGTERM: %v\n%s", err, s.log.String())
		}
	case <-time.After(40 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		s.t.Errorf("rampart serve did not stop within 40s of SIGTERM")
	}
}

// Kill sends SIGKILL: a crash, with no chance to clean up.
func (s *Server) Kill() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
}

// Restart stops the server and starts a new one on the same data folder
// (on a new port: use the returned Server's URL).
// The new server's clock starts at the old one's reading, so that time
// moved on by the test stays moved (a frozen clock runs again); after
// Kill there is no reading to take, and it starts at real time.
func (s *Server) Restart(t testing.TB) *Server {
	t.Helper()
	opts := s.opts
	opts.Data = s.Data
	if s.cmd.ProcessState == nil {
		opts.Env = append(slices.Clip(opts.Env), clockctl.EnvStart+"="+s.Now(t).Format(time.RFC3339Nano))
	}
	s.Stop()
	ns := Start(t, opts)
	ns.opts.Env = s.opts.Env
	s.restarted = ns
	return ns
}

// Admin runs `rampart admin ...` as an operator does, with the server's
// configuration and data folder (so its mail goes where the server's does,
// with links to the server), stdin as standard input, and returns the
// combined output. A --config in args replaces the server's.
func (s *Server) Admin(t testing.TB, stdin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := append([]string{"admin"}, args...)
	full = append(full, "--data", s.Data)
	if !slices.Contains(args, "--config") {
		full = append(full, "--config", s.cfgFile)
	}
	cmd := exec.CommandContext(ctx, Binary(t), full...)
	// The server was told its port at start-up; the admin command learns
	// the public URL here, for the links in the mail it sends.
	cmd.Env = append(append(os.Environ(), s.opts.Env...), "RAMPART_PUBLIC_URL="+s.URL)
	// The command's clock starts at the server's reading, so that what it
	// records (a designation, a recovery's start) is on the server's time.
	if s.cmd.ProcessState == nil {
		cmd.Env = append(cmd.Env, clockctl.EnvStart+"="+s.Now(t).Format(time.RFC3339Nano))
	}
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// CreateUser creates a verified account through the admin command.
func (s *Server) CreateUser(t testing.TB, name, email, password string) {
	t.Helper()
	if out, err := s.Admin(t, password+"\n", "user", "create", "--name", name, "--email", email, "--verified", "--password-stdin"); err != nil {
		t.Fatalf("creating user %s: %v\n%s", name, err, out)
	}
}

// FreeAddr returns a loopback address with a port free now, for
// Options.Listen.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
