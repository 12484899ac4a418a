package robust

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/testserver"
)

// Hostile HTTP that costs the server memory, descriptors or log space
// rather than data: gzip'd audit bombs, bodies promised and never sent,
// and search texts of 100 KiB.

const auditPath = "-/npm/v1/security/advisories/bulk"

// gzipped compresses b as hard as gzip can.
func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postAudit sends an audit request the way npm does: gzip'd JSON.
func postAudit(s *testserver.Server, gz []byte) (reply, error) {
	req, err := http.NewRequest(http.MethodPost, s.URL+auditPath, bytes.NewReader(gz))
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("npm-command", "audit")
	resp, err := client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}, err
}

// TestAuditGzipBombIsRefusedAndMemoryStaysBounded sends, anonymously and
// eight at once, audit requests of a few KiB that inflate to 8 MiB of
// versions. Each must be refused with 413 and a message naming the limit,
// and the server's peak memory must not grow by anything like the
// hundreds of MiB that decoding them would take.
func TestAuditGzipBombIsRefusedAndMemoryStaysBounded(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{})

	// An honest audit still works.
	if rep, err := postAudit(s, gzipped(t, []byte(`{"left-pad":["1.3.0"],"@acme/widget":["1.0.0","2.0.0"]}`))); err != nil || rep.Status != http.StatusOK {
		t.Fatalf("honest audit: %v %d %s", err, rep.Status, rep.Body)
	}

	var doc bytes.Buffer
	doc.WriteString(`{"a":[`)
	// Just under the 8 MiB a JSON body may have: what an unbounded
	// decoder accepted and held whole.
	for doc.Len() < 8<<20-16 {
		doc.WriteString(`"1",`)
	}
	doc.WriteString(`"1"]}`)
	bomb := gzipped(t, doc.Bytes())
	if len(bomb) > 64<<10 {
		t.Fatalf("the bomb is %d bytes compressed; expected a few KiB", len(bomb))
	}
	before, err := s.PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	const parallel = 8
	var wg sync.WaitGroup
	reps := make([]reply, parallel)
	errs := make([]error, parallel)
	for i := range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[i], errs[i] = postAudit(s, bomb)
		}()
	}
	wg.Wait()
	for i := range parallel {
		if errs[i] != nil {
			t.Fatalf("bomb %d: %v", i, errs[i])
		}
		if reps[i].Status != http.StatusRequestEntityTooLarge || !strings.Contains(reps[i].ErrorMsg(), "more than 50000 versions") {
			t.Errorf("bomb %d: got %d %q, want 413 naming the limit of 50000 versions", i, reps[i].Status, reps[i].Body)
		}
	}
	after, err := s.PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("peak RSS %d MiB before the bombs, %d MiB after", before>>20, after>>20)
	if grew := after - before; grew > 100<<20 {
		t.Errorf("the server's peak memory grew by %d MiB for %d requests of %d bytes each", grew>>20, parallel, len(bomb))
	}

	// The server still answers.
	if rep := mustDo(t, http.MethodGet, s.URL+"-/ping", "", nil); rep.Status != http.StatusOK {
		t.Fatalf("ping after the bombs: %d", rep.Status)
	}
}

// TestAuditLimitsOnSizeAndPackages checks the other two bounds of an audit
// request: bytes after gzip (here whitespace, which holds no version to
// count) and the number of packages.
func TestAuditLimitsOnSizeAndPackages(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{})

	// 6 MiB of whitespace inside a valid document: under the 8 MiB a
	// request body may have compressed, over the 4 MiB an audit may
	// inflate to.
	doc := append(append([]byte(`{"left-pad":["1.3.0"]`), bytes.Repeat([]byte(" "), 6<<20)...), '}')
	rep, err := postAudit(s, gzipped(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != http.StatusRequestEntityTooLarge || !strings.Contains(rep.ErrorMsg(), "larger than 4 MiB once gzip is undone") {
		t.Errorf("6 MiB inflated: got %d %q, want 413 naming the 4 MiB limit", rep.Status, rep.Body)
	}

	var many bytes.Buffer
	many.WriteString("{")
	for i := range 20001 {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `"p%d":[]`, i)
	}
	many.WriteString("}")
	rep, err = postAudit(s, gzipped(t, many.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != http.StatusRequestEntityTooLarge || !strings.Contains(rep.ErrorMsg(), "more than 20000 packages") {
		t.Errorf("20001 packages: got %d %q, want 413 naming the limit of 20000 packages", rep.Status, rep.Body)
	}

	rep, err = postAudit(s, gzipped(t, []byte(`{"left-pad":"1.3.0"}`)))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != http.StatusBadRequest || !strings.Contains(rep.ErrorMsg(), "must be a JSON array") {
		t.Errorf("versions not a list: got %d %q, want 400 saying what is wrong", rep.Status, rep.Body)
	}
}

// TestSearchTextIsBounded sends a search text of 100 KiB to npm's search
// and to the web UI's: each must be a 400 saying what is wrong, never a
// 500, and no log line may carry the text (the server logs at debug here,
// so the request log is checked too).
func TestSearchTextIsBounded(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{Env: []string{"RAMPART_LOG_LEVEL=debug"}})
	// A package to search through: over an empty table nothing compares.
	s.CreateUser(t, testUser, testEmail, testPassword)
	token := login(t, s, testUser, testPassword)
	body, _ := goodPublish(t, "left-pad", "1.0.0", "pad")
	if rep := mustDo(t, http.MethodPut, s.URL+"left-pad", token, body); rep.Status != http.StatusCreated {
		t.Fatalf("publish: %d %s", rep.Status, rep.Body)
	}
	long := strings.Repeat("qzx", 100<<10/3)

	rep := mustDo(t, http.MethodGet, s.URL+"-/v1/search?text="+long+"&size=20", "", nil)
	if rep.Status != http.StatusBadRequest || !strings.Contains(rep.ErrorMsg(), "search text") || !strings.Contains(rep.ErrorMsg(), "limit of 256") {
		t.Errorf("npm search with 100 KiB text: got %d %q, want 400 naming the limit", rep.Status, rep.Body)
	}
	for _, q := range []string{"size=100000", "size=0", "from=-1", "from=99999999", "size=ten"} {
		rep := mustDo(t, http.MethodGet, s.URL+"-/v1/search?text=pad&"+q, "", nil)
		if rep.Status != http.StatusBadRequest || !strings.Contains(rep.ErrorMsg(), "must be a whole number") {
			t.Errorf("npm search with %s: got %d %q, want 400", q, rep.Status, rep.Body)
		}
	}
	if rep := mustDo(t, http.MethodGet, s.URL+"-/v1/search?text=pad&size=250&from=0", "", nil); rep.Status != http.StatusOK || !strings.Contains(string(rep.Body), `"left-pad"`) {
		t.Errorf("npm search within the bounds: got %d %s, want left-pad found", rep.Status, rep.Body)
	}

	req, _ := http.NewRequest(http.MethodGet, s.URL+"search?q="+url.QueryEscape(long), nil)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("User-Agent", "Mozilla/5.0")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(page), "search text is") {
		t.Errorf("web search with 100 KiB text: got %d, want 400 saying the text is too long; page:\n%.500s", resp.StatusCode, page)
	}

	// The log may quote the start of the URL, never the whole text.
	if log := s.Log(); strings.Contains(log, long[:4096]) {
		t.Errorf("the server log carries the 100 KiB search text (log is %d bytes)", len(log))
	}
}

// dialFrom opens a connection to s from a chosen loopback address, so a
// test can be two clients on one machine.
func dialFrom(t testing.TB, s *testserver.Server, local string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatalf("dialing %s from %s: %v", s.Addr, local, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readReply reads one HTTP response from c, waiting at most wait.
func readReply(c net.Conn, wait time.Duration) (*http.Response, []byte, error) {
	c.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// TestSlowBodiesAreCutAndCapped opens, from one address, as many
// connections as a source may hold, each promising an audit body it never
// sends. A further connection from that address is refused with 429 at
// once; another address still gets /-/ping answered; each stalled request
// is answered and closed once its body is late; then the address may
// connect again.
func TestSlowBodiesAreCutAndCapped(t *testing.T) {
	t.Parallel()
	const perSource = 4
	s := testserver.Start(t, testserver.Options{Config: fmt.Sprintf("[limits]\nbody_grace_seconds = 2\nconnections_per_source = %d\n", perSource)})
	const attacker = "127.0.0.2"
	host := s.Addr

	var stalled []net.Conn
	for range perSource {
		c := dialFrom(t, s, attacker)
		fmt.Fprintf(c, "POST /%s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n", auditPath, host)
		stalled = append(stalled, c)
	}
	// The server accepts connections in the order they were made, so this
	// one is counted after the stalled ones.
	extra := dialFrom(t, s, attacker)
	fmt.Fprintf(extra, "GET /-/ping HTTP/1.1\r\nHost: %s\r\n\r\n", host)
	resp, body, err := readReply(extra, 30*time.Second)
	if err != nil {
		t.Fatalf("connection %d from one address: no answer: %v", perSource+1, err)
	}
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "too many connections from your address") {
		t.Errorf("connection %d from one address: got %d %s, want 429 saying why", perSource+1, resp.StatusCode, body)
	}

	// Everyone else is served meanwhile.
	if rep := mustDo(t, http.MethodGet, s.URL+"-/ping", "", nil); rep.Status != http.StatusOK {
		t.Errorf("ping from another address while one is at its cap: %d", rep.Status)
	}

	// Each stalled request is answered and its connection closed, instead
	// of being held forever.
	for i, c := range stalled {
		resp, body, err := readReply(c, 60*time.Second)
		if err != nil {
			t.Fatalf("stalled request %d: not answered within 60 s: %v", i, err)
		}
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "did not arrive within") {
			t.Errorf("stalled request %d: got %d %s, want 400 saying the body was late", i, resp.StatusCode, body)
		}
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
			t.Errorf("stalled request %d: connection still open after the answer (%d, %v)", i, n, err)
		}
	}

	// Slots come back once connections close.
	deadline := time.Now().Add(30 * time.Second)
	for {
		c := dialFrom(t, s, attacker)
		fmt.Fprintf(c, "GET /-/ping HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host)
		resp, _, err := readReply(c, 30*time.Second)
		c.Close()
		if err == nil && resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the address was not let in again after its connections closed: %v %v", resp, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestAnonymousRevisionBodyIsNotDecoded sends, without a token, the
// document `npm unpublish` and `npm owner` send, made of a million tiny
// versions: decoded, it would cost about ten times its 8 MiB. It must be
// refused for want of a login, without the server's memory growing.
func TestAnonymousRevisionBodyIsNotDecoded(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{})
	var doc bytes.Buffer
	doc.WriteString(`{"versions":{`)
	for i := 0; doc.Len() < 8<<20-32; i++ {
		if i > 0 {
			doc.WriteString(",")
		}
		fmt.Fprintf(&doc, `"%x":0`, i)
	}
	doc.WriteString("}}")
	before, err := s.PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	const parallel = 4
	var wg sync.WaitGroup
	reps := make([]reply, parallel)
	errs := make([]error, parallel)
	for i := range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[i], errs[i] = do(http.MethodPut, s.URL+"left-pad/-rev/1-abc", "", bytes.NewReader(doc.Bytes()), "application/json")
		}()
	}
	wg.Wait()
	for i := range parallel {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if reps[i].Status != http.StatusUnauthorized || !strings.Contains(reps[i].ErrorMsg(), "npm login") {
			t.Errorf("request %d: got %d %q, want 401 asking to log in", i, reps[i].Status, reps[i].Body)
		}
	}
	after, err := s.PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("peak RSS %d MiB before, %d MiB after", before>>20, after>>20)
	if grew := after - before; grew > 100<<20 {
		t.Errorf("the server's peak memory grew by %d MiB for %d anonymous requests of %d MiB", grew>>20, parallel, doc.Len()>>20)
	}
}

// TestStalledDownloadIsCut asks for a tarball of 8 MiB and never reads
// the answer. The server must give up on the connection (close its end,
// freeing the descriptor) once the response is late by more than the
// grace at the minimum rate (set here to 1 MiB/s, so about 10 s), rather
// than hold it for as long as the client likes. The client cannot tell
// by reading, since the kernel still has the unsent bytes to deliver, so
// the test looks at the server's side of the connection in /proc/net/tcp.
func TestStalledDownloadIsCut(t *testing.T) {
	t.Parallel()
	s, token := startWithUser(t, "[limits]\nbody_grace_seconds = 2\nmin_bytes_per_second = 1048576\n")
	noise := make([]byte, 8<<20)
	rand.Read(noise)
	entries := append(goodEntries("big-noise", "1.0.0", "noise"), npmfixture.File("package/noise.bin", string(noise)))
	tgz := npmfixture.Tarball(0, entries...)
	if rep := mustDo(t, http.MethodPut, s.URL+"big-noise", token, publishDoc("big-noise", "1.0.0", tgz, npmfixture.Integrity(tgz))); rep.Status != http.StatusCreated {
		t.Fatalf("publish: %d %s", rep.Status, rep.Body)
	}

	c := dialFrom(t, s, "127.0.0.1")
	// A small receive window, so the server's writes block at once.
	c.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(c, "GET /big-noise/-/big-noise-1.0.0.tgz HTTP/1.1\r\nHost: %s\r\n\r\n", s.Addr)
	serverSide := tcpEndpoints(t, c.RemoteAddr(), c.LocalAddr())
	// Long past the server's ~10 s, so a loaded machine is no excuse.
	deadline := time.Now().Add(90 * time.Second)
	for seen := false; ; seen = true {
		state, ok := tcpState(t, serverSide)
		if !seen && state != tcpEstablished {
			t.Fatalf("the download's connection %s is not established in /proc/net/tcp: %q %v", serverSide, state, ok)
		}
		if !ok || state != tcpEstablished {
			t.Logf("the server's end of the stalled download is in TCP state %s", state)
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the server still holds the stalled download's connection open after 90 s")
		}
		time.Sleep(time.Second)
	}
}

const tcpEstablished = "01"

// tcpEndpoints is how /proc/net/tcp names a connection from local to
// remote: "0100007F:1F90 0100007F:D431" for 127.0.0.1:8080 to
// 127.0.0.1:54321.
func tcpEndpoints(t testing.TB, local, remote net.Addr) string {
	t.Helper()
	hex := func(a net.Addr) string {
		ta := a.(*net.TCPAddr)
		ip := ta.IP.To4()
		if ip == nil {
			t.Fatalf("%s is not IPv4", a)
		}
		return fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], ta.Port)
	}
	return hex(local) + " " + hex(remote)
}

// tcpState returns the state column of the connection in /proc/net/tcp
// ("01" established, "04" FIN-WAIT-1, ...); ok is false once it is gone.
func tcpState(t testing.TB, endpoints string) (string, bool) {
	t.Helper()
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && f[1]+" "+f[2] == endpoints {
			return f[3], true
		}
	}
	return "", false
}

// TestTokenListsAreBounded creates API tokens limited to more packages,
// address ranges or actions than a token may carry: each is refused with
// a 400 saying the limit, and no token is created.
func TestTokenListsAreBounded(t *testing.T) {
	t.Parallel()
	s, token := startWithUser(t, "")
	list := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	for _, c := range []struct {
		field string
		value []string
		msg   string
	}{
		{"packages", list(1001, func(i int) string { return fmt.Sprintf("pkg-%d", i) }), "use at most 1000"},
		{"scopes", list(1001, func(i int) string { return fmt.Sprintf("@scope-%d", i) }), "use at most 1000"},
		{"cidr_whitelist", list(101, func(i int) string { return fmt.Sprintf("10.0.%d.0/24", i) }), "use at most 100"},
		{"actions", list(4000, func(int) string { return "read" }), "only three"},
	} {
		body, _ := json.Marshal(map[string]any{"password": testPassword, c.field: c.value})
		rep := mustDo(t, http.MethodPost, s.URL+"-/npm/v1/tokens", token, body)
		if rep.Status != http.StatusBadRequest || !strings.Contains(rep.ErrorMsg(), c.msg) {
			t.Errorf("%d %s: got %d %q, want 400 with %q", len(c.value), c.field, rep.Status, rep.Body, c.msg)
		}
	}
	rep := mustDo(t, http.MethodGet, s.URL+"-/npm/v1/tokens", token, nil)
	var list0 struct {
		Total int `json:"total"`
	}
	if err := json.Unmarshal(rep.Body, &list0); err != nil || list0.Total != 1 {
		t.Errorf("tokens after the refusals: %s (want only the login session)", rep.Body)
	}
}
