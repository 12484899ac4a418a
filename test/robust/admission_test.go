package robust

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testserver"
)

// startStalled sends the headers of a request declaring a body of
// declared bytes, then prefix, and no more, as a client that means to
// hold the server's attention would.
func startStalled(t *testing.T, s *testserver.Server, method, path, token string, declared int, prefix string) *stalledUpload {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(s.URL, "/"), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "%s /%s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		method, path, conn.RemoteAddr(), token, declared, prefix)
	return &stalledUpload{conn: conn, r: bufio.NewReader(conn)}
}

// TestBodiesRefusedBeforeTheyAreRead sends, from a verified account, PUT
// requests that can only be refused, and never sends their bodies. Each
// must be answered at once from what the request line and headers say:
// a publish into someone else's scope or under a name npm would not
// create (before, the scope and the name were checked only once up to
// 149 MiB had been received and spooled), and a revision update of a
// package that does not exist or declaring more than a package document
// may hold (before, up to 32 MiB was read and decoded first). The body
// grace is set to ten minutes, so an answer that waits for the body
// cannot come within the test's wait.
func TestBodiesRefusedBeforeTheyAreRead(t *testing.T) {
	t.Parallel()
	s, robot := startWithUser(t, "[limits]\nbody_grace_seconds = 600\n")
	const pkg = "robot-pkg"
	body, _ := goodPublish(t, pkg, "1.0.0", "first")
	if rep := mustDo(t, http.MethodPut, s.URL+pkg, robot, body); rep.Status != http.StatusCreated {
		t.Fatalf("first publish: %d %s", rep.Status, rep.Body)
	}
	s.CreateUser(t, "eve", "eve@example.com", testPassword)
	eve := login(t, s, "eve", testPassword)
	const tenMiB = 10 << 20
	publishStart := func(name string) string {
		return fmt.Sprintf(`{"_id":%q,"name":%q,"_attachments":{"x-1.0.0.tgz":{"data":"QUFB`, name, name)
	}
	cases := []struct {
		what, method, path, token string
		declared                  int
		prefix                    string
		status                    int
		says                      string
	}{
		{"publish into another user's scope", http.MethodPut, "@robot%2futils", eve, tenMiB, publishStart("@robot/utils"),
			http.StatusForbidden, "the scope @robot belongs to the user robot"},
		{"publish into a scope nobody owns", http.MethodPut, "@acme%2futils", eve, tenMiB, publishStart("@acme/utils"),
			http.StatusForbidden, "there is no such account"},
		{"publish under a name npm would not create", http.MethodPut, "Capital-Name", eve, tenMiB, publishStart("Capital-Name"),
			http.StatusBadRequest, "invalid package name"},
		{"revision update of a package that does not exist", http.MethodPut, "no-such-pkg/-rev/1-abc", eve, tenMiB, `{"versions":{`,
			http.StatusNotFound, "no-such-pkg"},
		{"revision update larger than a package document", http.MethodPut, pkg + "/-rev/1-abc", robot, 40 << 20, `{"versions":{`,
			http.StatusRequestEntityTooLarge, "limits.document_bytes"},
		{"revision update by a stranger", http.MethodPut, pkg + "/-rev/1-abc", eve, tenMiB, `{"versions":{`,
			http.StatusForbidden, "not a maintainer"},
	}
	for _, c := range cases {
		u := startStalled(t, s, c.method, c.path, c.token, c.declared, c.prefix)
		status, msg, answered := u.answerWithin(30 * time.Second)
		if !answered {
			t.Errorf("%s: no answer while the body was not sent; the server waits for a body it can only refuse", c.what)
			continue
		}
		if status != c.status || !strings.Contains(msg, c.says) {
			t.Errorf("%s: %d %q, want %d saying %q", c.what, status, msg, c.status, c.says)
		}
	}
	// The owner of the scope still creates packages in it.
	body, _ = goodPublish(t, "@robot/utils", "1.0.0", "mine")
	if rep := mustDo(t, http.MethodPut, s.URL+"@robot%2futils", robot, body); rep.Status != http.StatusCreated {
		t.Fatalf("robot publishing @robot/utils: %d %s", rep.Status, rep.Body)
	}
}
