package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testserver"
)

// rampartReport runs the real `rampart report` in n's npm environment
// (its HOME and ~/.npmrc, written by `npm login`), from dir, and returns
// its output and exit code.
func rampartReport(t *testing.T, n *testserver.NPM, dir string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testserver.Binary(t), append([]string{"report"}, args...)...)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + n.Home, "npm_config_userconfig=" + filepath.Join(n.Home, ".npmrc"), "PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatalf("rampart report: %v\n%s", err, out)
	}
	return string(out), 0
}

// reportsAPI is the reports endpoint of s.
func reportsAPI(s *testserver.Server) string { return s.URL + "-/rampart/v1/reports" }

// moderator makes a verified account with the moderator role.
func makeModerator(t *testing.T, s *testserver.Server, name string) {
	t.Helper()
	s.CreateUser(t, name, name+"@example.com", bobPW)
	if out, err := s.Admin(t, "", "user", "moderator", "add", name); err != nil {
		t.Fatalf("moderator add: %v\n%s", err, out)
	}
}

// TestReportByAPIAndCLI (GEN-2b): a report filed through the API and one
// through `rampart report` (the real binary, with the token `npm login`
// wrote to a fresh HOME's .npmrc) land on the same queue item, counted
// per reporter; a reporter reporting again updates their report; the
// moderators are mailed once per new item, over real SMTP, with the
// link to the item; refusals say what was wrong.
func TestReportByAPIAndCLI(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	makeModerator(t, s, "mod")
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "shady-helper", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "shady-helper", Version: "1.1.0"})
	bob := signup(t, s, "bob", bobPW)

	// The API, with alice's token.
	r := do(t, "POST", reportsAPI(s), alice.Token(), map[string]any{"package": "shady-helper", "version": "1.0.0", "reason": "malicious", "description": "postinstall reads ~/.npmrc"})
	if r.Status != 201 {
		t.Fatalf("API report: %d %s", r.Status, r.Body)
	}
	first := r.JSON(t)
	if first["reporters"] != 1.0 || first["updated"] != false || !strings.Contains(first["message"].(string), "moderators were notified") {
		t.Errorf("API report answered %s", r.Body)
	}
	item := int(first["item"].(float64))
	m := s.Mail.WaitForSubject(t, "mod@example.com", "shady-helper@1.0.0 was reported", 30*time.Second)
	itemURL := fmt.Sprintf("%smoderation/reports/%d", s.URL, item)
	mustContain(t, m.Text, "Why:         malicious code (malware)", "Reported by: alice", "postinstall reads ~/.npmrc", itemURL)
	if links := m.Links(); len(links) == 0 || links[0] != itemURL {
		t.Errorf("the moderators' mail links %q, want %s first", links, itemURL)
	}

	// The CLI, with bob's: the same item, two reporters.
	dir := project(t)
	out, code := rampartReport(t, bob, dir, "shady-helper@1.0.0", "--reason", "spam", "--message", "spam too")
	if code != 0 {
		t.Fatalf("rampart report: exit %d\n%s", code, out)
	}
	mustContain(t, out, "Reported shady-helper@1.0.0 as spam", fmt.Sprintf("queue item %d (2 reporters)", item), "joins theirs in the moderation queue")
	// bob again: his report changes, the count does not.
	out, code = rampartReport(t, bob, dir, "shady-helper@1.0.0", "--reason", "malicious", "--message", "worse: it steals tokens", "--json")
	if code != 0 {
		t.Fatalf("rampart report --json: exit %d\n%s", code, out)
	}
	var again map[string]any
	if err := json.Unmarshal([]byte(out), &again); err != nil {
		t.Fatalf("--json printed %q: %v", out, err)
	}
	if again["updated"] != true || again["reporters"] != 2.0 || int(again["item"].(float64)) != item || again["reason"] != "malicious" {
		t.Errorf("second report by bob: %s", out)
	}

	// A report on the package as a whole is another item, mailed; the
	// duplicates above mailed no one (the notices go out in event order,
	// so by the time this one arrived, theirs would have).
	out, code = rampartReport(t, bob, dir, "shady-helper", "--reason", "squatting")
	if code != 0 {
		t.Fatalf("package report: exit %d\n%s", code, out)
	}
	s.Mail.WaitForSubject(t, "mod@example.com", "shady-helper was reported on", 30*time.Second)
	n := 0
	for _, msg := range s.Mail.Messages() {
		if strings.Contains(msg.Subject, "shady-helper@1.0.0 was reported") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the moderators got %d mails about shady-helper@1.0.0, want 1 (one per new queue item)", n)
	}

	// Refusals, in the words the client shows.
	out, code = rampartReport(t, bob, dir, "no-such-package-here", "--reason", "spam")
	if code != 1 {
		t.Errorf("unknown package: exit %d, want 1\n%s", code, out)
	}
	mustContain(t, out, "404", "there is no package \"no-such-package-here\" on this registry")
	out, code = rampartReport(t, bob, dir, "shady-helper@9.9.9", "--reason", "spam")
	if code != 1 {
		t.Errorf("unknown version: exit %d, want 1", code)
	}
	mustContain(t, out, `has no version "9.9.9"`)
	out, code = rampartReport(t, bob, dir, "shady-helper", "--reason", "evil")
	if code != 2 {
		t.Errorf("unknown reason: exit %d, want 2", code)
	}
	mustContain(t, out, "unknown --reason \"evil\": use one of malicious, spam, squatting, copyright, other")
	out, code = rampartReport(t, anon(t, s), dir, "shady-helper", "--reason", "spam")
	if code != 1 {
		t.Errorf("no token: exit %d, want 1", code)
	}
	mustContain(t, out, "you are not signed in to "+s.URL, "npm login --registry "+s.URL)

	r = do(t, "POST", reportsAPI(s), "", map[string]any{"package": "shady-helper", "reason": "spam"})
	if r.Status != 401 || !strings.Contains(string(r.Body), "sign in to report") {
		t.Errorf("anonymous API report: %d %s", r.Status, r.Body)
	}
	r = do(t, "POST", reportsAPI(s), alice.Token(), map[string]any{"package": "shady-helper", "reasn": "spam"})
	if r.Status != 400 || !strings.Contains(string(r.Body), `unknown field`) {
		t.Errorf("unknown field: %d %s", r.Status, r.Body)
	}
	r = do(t, "POST", reportsAPI(s), alice.Token(), map[string]any{"package": "shady-helper", "reason": "spam", "description": strings.Repeat("x", 40000)})
	if r.Status != 413 || !strings.Contains(string(r.Body), "shorten the description") {
		t.Errorf("oversized body: %d %s", r.Status, r.Body)
	}
	r = do(t, "GET", reportsAPI(s), alice.Token(), nil)
	if r.Status != 405 {
		t.Errorf("GET on the reports endpoint: %d %s", r.Status, r.Body)
	}
	// The moderation API refuses a token: moderation needs the second
	// factor of a browser session (authz.Moderate).
	r = do(t, "GET", s.URL+"-/rampart/v1/moderation/reports?state=open", alice.Token(), nil)
	if r.Status != 403 {
		t.Errorf("queue for a user's token: %d %s", r.Status, r.Body)
	}
}

// TestReportThrottled: an account's eleventh report within the hour is
// refused 429 with when to retry, by the API and through `rampart
// report`; once the server's clock moves a period on, one more goes in.
func TestReportThrottled(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "noisy-thing", Version: "1.0.0"})
	carol := signup(t, s, "carol", "fifteen-lime-tortoises-3")
	for i := range 10 {
		r := do(t, "POST", reportsAPI(s), carol.Token(), map[string]any{"package": "noisy-thing", "reason": "spam", "description": fmt.Sprint("take ", i)})
		if r.Status != 201 {
			t.Fatalf("report %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := do(t, "POST", reportsAPI(s), carol.Token(), map[string]any{"package": "noisy-thing", "reason": "spam"})
	if r.Status != 429 || !strings.Contains(string(r.Body), "you have sent too many reports in a short time; try again in 6 minutes") {
		t.Errorf("11th report: %d %s", r.Status, r.Body)
	}
	out, code := rampartReport(t, carol, project(t), "noisy-thing", "--reason", "spam")
	if code != 1 {
		t.Errorf("throttled CLI report: exit %d", code)
	}
	mustContain(t, out, "429", "too many reports", "try again in")
	s.Advance(t, 6*time.Minute)
	if r := do(t, "POST", reportsAPI(s), carol.Token(), map[string]any{"package": "noisy-thing", "reason": "spam"}); r.Status != 201 {
		t.Errorf("after 6 minutes: %d %s", r.Status, r.Body)
	}
}
