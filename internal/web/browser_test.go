package web_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/server"
)

const chromiumPath = "/usr/bin/chromium"

// TestBrowserSearchPackageSignIn drives the web UI in headless Chromium
// against a real server: search from the start page, open a package whose
// README tries to run script, sign in through the form, visit the user
// page and sign out.
//
// Set RAMPART_WEB_SCREENSHOT=/tmp/rampart-package.png to keep a picture of
// the package page.
func TestBrowserSearchPackageSignIn(t *testing.T) {
	base := startServer(t)
	ctx := newBrowser(t, 90*time.Second, chromedp.WindowSize(1280, 900))

	// Collect what the console reports (CSP violations among it) for the
	// whole visit. Console subscribes when called; newBrowser has started
	// the browser, so this does not start a second one.
	consoleCtx, stopConsole := context.WithCancel(ctx)
	console := chromedp.Console(consoleCtx)
	var (
		mu       sync.Mutex
		messages []string
		wg       sync.WaitGroup
	)
	wg.Go(func() {
		for m, err := range console {
			if err != nil {
				return
			}
			mu.Lock()
			messages = append(messages, string(m.Type)+": "+m.Text)
			mu.Unlock()
		}
	})

	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluating %s: %v", expr, err)
		}
		return v
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(v)
	}
	location := func() string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	// Search from the start page.
	run("open the start page",
		chromedp.Navigate(base),
		chromedp.WaitVisible(chromedp.CSS(`.hero input[name="q"]`)),
		chromedp.SendKeys(chromedp.CSS(`.hero input[name="q"]`), "widget"),
		chromedp.Submit(chromedp.CSS(`.hero input[name="q"]`)),
		// The start page lists packages too: wait for the results page.
		chromedp.WaitVisible(chromedp.CSS(`p.results`)),
	)
	if loc := location(); !strings.HasPrefix(loc, base+"search?q=widget") {
		t.Fatalf("search went to %s", loc)
	}
	if got := text(`ul.hits a.name`); got != "@acme/widget" {
		t.Fatalf("first hit %q, want @acme/widget", got)
	}

	// Open the package page.
	run("open the package page",
		chromedp.Click(chromedp.CSS(`ul.hits a.name`)),
		chromedp.WaitVisible(chromedp.CSS(`h1.pkgname`)),
	)
	if got := text(`h1.pkgname`); got != "@acme/widget" {
		t.Fatalf("package page heading %q", got)
	}
	if got := text(`.readme h1`); got != "Widget heading" {
		t.Errorf("README heading renders as %q, want an <h1> Widget heading", got)
	}
	if got := text(`pre.install`); got != "npm install @acme/widget" {
		t.Errorf("install command %q", got)
	}
	// Our pages have no script at all, so any script element came from
	// the README; and none of the README's attempts may have run.
	if n := eval(`String(document.querySelectorAll("script").length)`); n != "0" {
		t.Errorf("%s script elements on the package page", n)
	}
	if got := eval(`typeof window.__pwned`); got != "undefined" {
		t.Errorf("window.__pwned is %s: README script ran", got)
	}
	if got := eval(`Array.from(document.querySelectorAll("[href],[src]")).map(e => e.getAttribute("href") || e.getAttribute("src") || "").filter(u => /^\s*(javascript|vbscript|data:text)/i.test(u)).join(" ")`); got != "" {
		t.Errorf("live script URLs on the page: %s", got)
	}
	if path := os.Getenv("RAMPART_WEB_SCREENSHOT"); path != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Sign in through the form; it returns to the package page.
	run("sign in",
		chromedp.Click(chromedp.CSS(`nav.account a[href^="/login"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.login`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)),
	)
	if got := text(`nav.account .who`); got != "signed in as alice" {
		t.Errorf("header says %q, want signed in as alice", got)
	}
	if loc := location(); loc != base+"package/@acme/widget" {
		t.Errorf("after sign-in the browser is at %s, want the package page", loc)
	}
	// The session cookie is out of script's reach.
	if got := eval(`document.cookie`); strings.Contains(got, "rampart_session") {
		t.Errorf("document.cookie shows the session: %q", got)
	}

	// The user page lists the package.
	run("open the user page",
		chromedp.Click(chromedp.CSS(`nav.account .who a`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.hits a.name`)),
	)
	if got := text(`main h1`); got != "~alice" {
		t.Errorf("user page heading %q", got)
	}
	if got := text(`ul.hits a.name`); got != "@acme/widget" {
		t.Errorf("user page lists %q", got)
	}

	// Sign out.
	run("sign out",
		chromedp.Click(chromedp.CSS(`nav.account button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.account a[href^="/login"]`)),
	)
	if loc := location(); loc != base {
		t.Errorf("after sign-out the browser is at %s", loc)
	}
	if got := eval(`document.body.innerText`); strings.Contains(got, "signed in as") {
		t.Error("still signed in after signing out")
	}

	stopConsole()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	for _, m := range messages {
		t.Logf("console: %s", m)
		if strings.Contains(m, "Content Security Policy") || strings.Contains(m, "Content-Security-Policy") {
			t.Errorf("the browser reported a CSP violation: %s", m)
		}
	}
}

// startServer runs the registry, as `rampart serve` builds it, on a
// loopback port, with alice and a package whose README tries to run
// script. It returns the public URL, http://localhost:PORT/: Chromium
// treats localhost as a secure context, so the Secure cookie works.
func startServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.PublicURL = "http://localhost:" + strconv.Itoa(port) + "/"
	cfg.InsecureFastPasswordHashing = true
	cfg.EmailDomains.Check = false // no real DNS in tests
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	svc, err := server.Open(t.Context(), cfg, server.Options{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: server.Handler(svc, cfg, log), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serving: %v", err)
		}
		if err := svc.Close(context.Background()); err != nil {
			t.Errorf("closing services: %v", err)
		}
	})

	e := &env{t: t, cfg: cfg, svc: svc}
	alice := e.user("alice")
	e.publish(alice, pkgSpec{
		name: "@acme/widget", version: "1.0.0", description: "A widget for tests",
		readme: hostileReadme + "\n## Usage\n\n```js\nconst w = require('@acme/widget')\n```\n\n| option | default |\n|---|---|\n| size | 3 |\n",
		extra: map[string]any{
			"license":    "MIT",
			"repository": map[string]any{"type": "git", "url": "git+https://github.com/acme/widget.git"},
			"keywords":   []string{"ui", "widget"},
		},
	})
	return cfg.PublicURL
}

// newBrowser starts headless Chromium for one test (skipped without
// Chromium unless CI=true) and returns a running tab's context, cancelled
// after timeout or when the test ends.
func newBrowser(t *testing.T, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs Chromium at %s: %v", chromiumPath, err)
		}
		t.Skipf("no Chromium at %s", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), append(opts, extra...)...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}
