package robust

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/limits"
)

// TestQueuedRevisionUpdateGetsItsTime runs `npm deprecate`'s sibling,
// the revision update (`npm owner`, `npm unpublish pkg@ver`), while the
// account's upload slots are all taken by slow publishes, as in a CI job
// publishing a monorepo. The update waits for a slot; once it has one,
// its body gets its full time, as a publish's does. Before, its time was
// counted from its arrival, so it ran out while the update waited, and
// the update failed with "the request body did not arrive" although the
// client had sent it all.
func TestQueuedRevisionUpdateGetsItsTime(t *testing.T) {
	t.Parallel()
	// A body gets 2 s plus 1 s per MiB: the stalled publishes (10 MiB
	// declared) hold their slots for about 12 s, the update (64 KiB) gets
	// about 2 s.
	s, tok := startWithUser(t, "[limits]\nbody_grace_seconds = 2\nmin_bytes_per_second = 1048576\n")
	const pkg = "queued-pkg"
	body, _ := goodPublish(t, pkg, "1.0.0", "first")
	if rep := mustDo(t, http.MethodPut, s.URL+pkg, tok, body); rep.Status != http.StatusCreated {
		t.Fatalf("publish: %d %s", rep.Status, rep.Body)
	}
	read := mustDo(t, http.MethodGet, s.URL+pkg+"?write=true", tok, nil)
	var whole map[string]any
	if err := json.Unmarshal(read.Body, &whole); err != nil {
		t.Fatalf("reading %s for writing: %d %s", pkg, read.Status, read.Body)
	}
	rev, _ := whole["_rev"].(string)
	whole["versions"].(map[string]any)["1.0.0"].(map[string]any)["deprecated"] = "use 2"
	doc, err := json.Marshal(whole)
	if err != nil {
		t.Fatal(err)
	}
	// Padded past what the server reads along with the headers, so that
	// the rest of the body is read from the connection once admitted.
	doc = append(doc[:len(doc)-1], []byte(strings.Repeat(" ", 64<<10)+"}")...)

	for i := range limits.MaxUploadsPerAccount {
		startStalledUpload(t, s, tok, fmt.Sprintf("slow-%d", i))
	}
	time.Sleep(time.Second) // the stalled publishes take the slots first

	conn, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(s.URL, "/"), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT /%s/-rev/%s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		pkg, rev, conn.RemoteAddr(), tok, len(doc), doc[:1024])
	// The rest goes out after the time counted from arrival is over, and
	// well before a slot is free.
	time.Sleep(5 * time.Second)
	if _, err := conn.Write(doc[1024:]); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the queued revision update: %v", err)
	}
	var answer struct{ Error string }
	json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("queued revision update: %d %q, want 200", resp.StatusCode, answer.Error)
	}
	after := mustDo(t, http.MethodGet, s.URL+pkg, "", nil)
	if !strings.Contains(string(after.Body), `"deprecated":"use 2"`) {
		t.Fatalf("the deprecation was not applied: %s", after.Body)
	}
}
