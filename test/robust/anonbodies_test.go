package robust

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startStalledAnon sends a request's line and headers with no
// Authorization header at all, declares a body and sends only prefix.
func startStalledAnon(t *testing.T, url, method, path string, declared int, prefix string) *stalledUpload {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(url, "/"), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "%s /%s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		method, path, conn.RemoteAddr(), declared, prefix)
	return &stalledUpload{conn: conn, r: bufio.NewReader(conn)}
}

// TestAnonymousBodiesRefusedBeforeTheyAreRead: endpoints only a signed-in
// caller may use refuse an anonymous request from its headers, without
// waiting for (and holding up to 8 MiB of) a body they can only refuse;
// and a declared body over the JSON limit is refused before it is read,
// whoever sends it (security review of 5 December 2026: before, each of
// these waited for the body). The body grace is ten minutes, so an answer
// that waits for the body cannot come within the test's wait.
func TestAnonymousBodiesRefusedBeforeTheyAreRead(t *testing.T) {
	t.Parallel()
	s, robot := startWithUser(t, "[limits]\nbody_grace_seconds = 600\n")
	const fourMiB = 4 << 20
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "-/npm/v1/tokens"},
		{http.MethodPost, "-/package/robot-pkg/trust"},
		{http.MethodPut, "-/package/robot-pkg/trusted-only"},
		{http.MethodPut, "-/package/robot-pkg/dist-tags/latest"},
		{http.MethodPost, "-/package/robot-pkg/access"},
		{http.MethodPut, "-/rampart/v1/package/robot-pkg/provenance-policy"},
		{http.MethodPut, "-/org/acme/user"},
		{http.MethodDelete, "-/org/acme/user"},
		{http.MethodPut, "-/org/acme/team"},
		{http.MethodPut, "-/team/acme/devs/user"},
		{http.MethodPut, "-/team/acme/devs/package"},
	} {
		u := startStalledAnon(t, s.URL, c.method, c.path, fourMiB, "{")
		status, msg, answered := u.answerWithin(30 * time.Second)
		if !answered {
			t.Errorf("anonymous %s /%s: no answer while the body was not sent; the server waits for a body it can only refuse", c.method, c.path)
			continue
		}
		if status != http.StatusUnauthorized || !strings.Contains(msg, "npm login") {
			t.Errorf("anonymous %s /%s: %d %q, want 401 saying to run npm login", c.method, c.path, status, msg)
		}
	}
	u := startStalled(t, s, http.MethodPost, "-/npm/v1/tokens", robot, 10<<20, "{")
	status, msg, answered := u.answerWithin(30 * time.Second)
	if !answered {
		t.Fatal("a 10 MiB token request: no answer while the body was not sent")
	}
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "8 MiB") {
		t.Errorf("a 10 MiB token request: %d %q, want 413 naming the limit", status, msg)
	}
}
