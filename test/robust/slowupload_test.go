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
	"github.com/rampart/rampart/internal/testserver"
)

// stalledUpload is a PUT whose headers and first bytes went out and whose
// body then stops, as a slow or malicious client's would.
type stalledUpload struct {
	conn net.Conn
	r    *bufio.Reader
}

// startStalledUpload sends the headers of a publish to pkg declaring a
// 10 MiB body, then the document's first bytes, and no more.
func startStalledUpload(t *testing.T, s *testserver.Server, token, pkg string) *stalledUpload {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(s.URL, "/"), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	prefix := fmt.Sprintf(`{"_id":%q,"name":%q,"_attachments":{"%s-1.0.0.tgz":{"data":"QUFB`, pkg, pkg, pkg)
	fmt.Fprintf(conn, "PUT /%s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		escapeName(pkg), conn.RemoteAddr(), token, 10<<20, prefix)
	return &stalledUpload{conn: conn, r: bufio.NewReader(conn)}
}

// answer waits (at most a minute) for the server's response.
func (u *stalledUpload) answer(t *testing.T) (int, string) {
	t.Helper()
	status, msg, ok := u.answerWithin(time.Minute)
	if !ok {
		t.Fatal("no answer to the stalled upload within a minute")
	}
	return status, msg
}

// answerWithin waits up to d for the server's response; ok is false if
// none came.
func (u *stalledUpload) answerWithin(d time.Duration) (status int, msg string, ok bool) {
	u.conn.SetReadDeadline(time.Now().Add(d))
	resp, err := http.ReadResponse(u.r, nil)
	if err != nil {
		return 0, "", false
	}
	defer resp.Body.Close()
	var e struct{ Error string }
	json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Error, true
}

// signUpUnverified creates an account that has not verified its address,
// as anyone can with `npm adduser`, and logs it in.
func signUpUnverified(t *testing.T, s *testserver.Server, name string) string {
	t.Helper()
	if out, err := s.Admin(t, testPassword+"\n", "user", "create", "--name", name, "--email", name+"@example.com", "--password-stdin"); err != nil {
		t.Fatalf("creating %s: %v\n%s", name, err, out)
	}
	return login(t, s, name, testPassword)
}

// TestStalledUploadsDoNotBlockOthers is the review's attack: fresh
// accounts open publishes whose bodies never finish. Before the fix,
// two of them took the server's two publish slots before reading a byte
// and held them for good, so every other user's publish and deprecation
// waited forever. Now an unverified account is refused before its body is
// read, a verified one holds only its own account's slots, and another
// maintainer publishes and deprecates as usual.
func TestStalledUploadsDoNotBlockOthers(t *testing.T) {
	// Not t.Parallel: it asks for an answer within 3 s of real time,
	// which a machine busy with the other tests could miss.
	s, tok := startWithUser(t, "")
	const pkg = "victim-pkg"
	body, _ := goodPublish(t, pkg, "1.0.0", "first")
	if rep := mustDo(t, http.MethodPut, s.URL+pkg, tok, body); rep.Status != http.StatusCreated {
		t.Fatalf("first publish: %d %s", rep.Status, rep.Body)
	}

	// An unverified account: each stalled upload is refused at once,
	// before its body is read.
	unverified := signUpUnverified(t, s, "mallory")
	for i := range 3 {
		u := startStalledUpload(t, s, unverified, fmt.Sprintf("mallory-%d", i))
		if status, msg := u.answer(t); status != http.StatusForbidden || !strings.Contains(msg, "verify your email") {
			t.Fatalf("stalled upload from an unverified account: %d %q, want 403 asking to verify the address first", status, msg)
		}
	}
	// Left open: on the old server these held the publish slots.
	for i := range 3 {
		startStalledUpload(t, s, unverified, fmt.Sprintf("mallory-again-%d", i))
	}
	publishAndDeprecate(t, s, tok, pkg, "1.0.1", "1.0.0")

	// A verified account fills its own slots and queue with stalled
	// uploads; one more is refused, and nobody else notices.
	s.CreateUser(t, "eve", "eve@example.com", testPassword)
	eve := login(t, s, "eve", testPassword)
	for i := range limits.MaxUploadsPerAccount + limits.MaxUploadsQueuedPerAccount {
		startStalledUpload(t, s, eve, fmt.Sprintf("eve-%d", i))
	}
	// The stalled requests reach the server in their own time. A probe
	// that is not answered is itself queued, so within the account's
	// share of probes one must be refused.
	refused := false
	for i := range limits.MaxUploadsPerAccount + limits.MaxUploadsQueuedPerAccount + 1 {
		u := startStalledUpload(t, s, eve, fmt.Sprintf("eve-probe-%d", i))
		status, msg, answered := u.answerWithin(3 * time.Second)
		if !answered {
			continue
		}
		if status != http.StatusTooManyRequests || !strings.Contains(msg, "uploads to this registry in progress") {
			t.Fatalf("one upload past the account's share: %d %q, want 429", status, msg)
		}
		refused = true
		break
	}
	if !refused {
		t.Fatal("an account with every upload slot and queue place taken was never refused another upload")
	}
	publishAndDeprecate(t, s, tok, pkg, "1.0.2", "1.0.1")
}

// publishAndDeprecate publishes pkg@version and deprecates old as another
// maintainer would while stalled uploads are open, and checks both took
// effect.
func publishAndDeprecate(t *testing.T, s *testserver.Server, tok, pkg, version, old string) {
	t.Helper()
	body, _ := goodPublish(t, pkg, version, "v"+version)
	rep, err := do(http.MethodPut, s.URL+pkg, tok, strings.NewReader(string(body)), "application/json")
	if err != nil || rep.Status != http.StatusCreated {
		t.Fatalf("publish of %s@%s while stalled uploads are open: %d %s %v; it must not wait for them", pkg, version, rep.Status, rep.Body, err)
	}
	// As npm deprecate does: the whole document as read, at its
	// revision, with one version's "deprecated" set.
	read := mustDo(t, http.MethodGet, s.URL+pkg+"?write=true", tok, nil)
	var whole map[string]any
	if err := json.Unmarshal(read.Body, &whole); err != nil {
		t.Fatal(err)
	}
	whole["versions"].(map[string]any)[old].(map[string]any)["deprecated"] = "use " + version
	dep, err := json.Marshal(whole)
	if err != nil {
		t.Fatal(err)
	}
	rep, err = do(http.MethodPut, s.URL+pkg, tok, strings.NewReader(string(dep)), "application/json")
	if err != nil || rep.Status != http.StatusOK {
		t.Fatalf("deprecating %s@%s while stalled uploads are open: %d %s %v; it must not wait for them", pkg, old, rep.Status, rep.Body, err)
	}
	doc := mustDo(t, http.MethodGet, s.URL+pkg, "", nil)
	var got struct {
		Versions map[string]struct {
			Deprecated string `json:"deprecated"`
		} `json:"versions"`
	}
	if err := json.Unmarshal(doc.Body, &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Versions[version]; !ok || got.Versions[old].Deprecated != "use "+version {
		t.Fatalf("after publish and deprecate the packument shows %+v", got.Versions)
	}
}

// TestStalledUploadTimesOut checks the read deadline: a body that stops
// arriving is answered, once its time at limits.min_bytes_per_second has passed,
// with a message naming the limit, and the account's slot is free again.
func TestStalledUploadTimesOut(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "[limits]\nbody_grace_seconds = 2\nmin_bytes_per_second = 1073741824\n")
	var stalled []*stalledUpload
	for i := range limits.MaxUploadsPerAccount {
		stalled = append(stalled, startStalledUpload(t, s, tok, fmt.Sprintf("slow-%d", i)))
	}
	for _, u := range stalled {
		status, msg := u.answer(t)
		if status != http.StatusBadRequest || !strings.Contains(msg, "did not arrive within 2s") || !strings.Contains(msg, "limits.min_bytes_per_second") {
			t.Fatalf("stalled upload: %d %q, want 400 saying it did not arrive within 2s (limits.min_bytes_per_second)", status, msg)
		}
	}
	body, _ := goodPublish(t, "after-timeout", "1.0.0", "x")
	if rep := mustDo(t, http.MethodPut, s.URL+"after-timeout", tok, body); rep.Status != http.StatusCreated {
		t.Fatalf("publish after the stalled uploads timed out: %d %s", rep.Status, rep.Body)
	}
	if files := blobFiles(t, s.Data); len(files) != 1 {
		t.Errorf("blobs after two timed-out uploads and one publish: %v, want exactly one", files)
	}
}
