package robust

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/testserver"
)

// peakRSS is the server's peak resident memory so far (VmHWM), in bytes.
func peakRSS(t *testing.T, s *testserver.Server) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.PID()))
	if err != nil {
		t.Skipf("peak memory is read from /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM line %q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/<pid>/status")
	return 0
}

// memoryBound is how much a publish may raise the server's peak memory.
// The body is never held whole: memory holds the document without its
// attachments (a few KiB here), fixed buffers (64 KiB for reading, 64 KiB
// of base64 at a time, gzip's and tar's windows) and the runtime's slack.
// 24 MiB covers that with room for a loaded machine; the server before
// the fix needed about seven times the tarball size.
const memoryBound = 24 << 20

// TestPublishMemoryIsBounded publishes a large incompressible package to
// the real server and reads the server's peak memory (VmHWM) before and
// after; then does the same with publishes the server must refuse, with
// and without Content-Length. None may raise the peak by more than
// memoryBound, far below the tarball's size.
func TestPublishMemoryIsBounded(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("sends a few hundred MiB")
	}
	s, tok := startWithUser(t, "")
	// Warm up: the first publish loads what every publish needs.
	body, _ := goodPublish(t, "warm-up", "1.0.0", "x")
	if rep := mustDo(t, http.MethodPut, s.URL+"warm-up", tok, body); rep.Status != http.StatusCreated {
		t.Fatalf("warm-up publish: %d %s", rep.Status, rep.Body)
	}
	base := peakRSS(t, s)
	t.Logf("peak memory after warm-up: %d MiB", base>>20)
	check := func(what string) {
		t.Helper()
		peak := peakRSS(t, s)
		t.Logf("peak memory after %s: %d MiB (+%d MiB)", what, peak>>20, (peak-base)>>20)
		if peak-base > memoryBound {
			t.Errorf("%s raised the server's peak memory by %d MiB, over the bound of %d MiB: the upload is held in memory", what, (peak-base)>>20, memoryBound>>20)
		}
	}

	t.Run("refused from Content-Length", func(t *testing.T) {
		// The headers alone, promising one byte too many, and not a byte
		// of the body: the answer must come anyway. (Counting what a
		// client manages to write says nothing: after a refusal net/http
		// reads for up to half a second before it closes, so that the
		// client is not reset before it reads the answer.)
		declared := limits.Default().PublishBodyBytes() + 1
		conn, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(s.URL, "/"), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "PUT /too-big-declared HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", tok, declared)
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer to a publish whose Content-Length is over the limit, before its body: %v", err)
		}
		defer resp.Body.Close()
		var e struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&e)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(e.Error, "limits.tarball_bytes") || strings.Contains(e.Error, strconv.FormatInt(declared, 10)) {
			t.Errorf("got %d %q, want 413 naming the limit (and not a size the server never read)", resp.StatusCode, e.Error)
		}
		check("a refused publish declaring " + strconv.FormatInt(declared>>20, 10) + " MiB")
	})

	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("110 MiB tarball refused while streaming, chunked=%t", chunked), func(t *testing.T) {
			const size = 110 << 20
			name := fmt.Sprintf("too-big-%t", chunked)
			body := &countingReader{r: bigBody(name, size)}
			req, err := http.NewRequest(http.MethodPut, s.URL+name, body)
			if err != nil {
				t.Fatal(err)
			}
			req.ContentLength = -1 // chunked
			if !chunked {
				req.ContentLength = bigBodyLen(name, size)
			}
			rep := send(t, req, tok)
			if rep.Status != http.StatusRequestEntityTooLarge || !strings.Contains(rep.ErrorMsg(), "limits.tarball_bytes") {
				t.Errorf("got %d %q, want 413 naming limits.tarball_bytes", rep.Status, rep.ErrorMsg())
			}
			check("a refused 110 MiB publish")
		})
	}

	t.Run("accepted 64 MiB publish", func(t *testing.T) {
		noise := make([]byte, 64<<20)
		rand.Read(noise)
		tgz := npmfixture.Tarball(0, append(goodEntries("big-pkg", "1.0.0", "big"), npmfixture.File("package/noise.bin", string(noise)))...)
		noise = nil
		body := publishDoc("big-pkg", "1.0.0", tgz, npmfixture.Integrity(tgz))
		t.Logf("tarball %d MiB, body %d MiB", len(tgz)>>20, len(body)>>20)
		rep := mustDo(t, http.MethodPut, s.URL+"big-pkg", tok, body)
		if rep.Status != http.StatusCreated {
			t.Fatalf("publish: %d %s", rep.Status, rep.Body)
		}
		check(fmt.Sprintf("an accepted %d MiB publish", len(tgz)>>20))
		got, status := download(t, s.URL+"big-pkg/-/big-pkg-1.0.0.tgz")
		if status != http.StatusOK || !bytes.Equal(got, tgz) {
			t.Fatalf("download: %d, %d bytes; want the %d bytes published", status, len(got), len(tgz))
		}
	})
}

// bigBody streams a publish document for name whose tarball attachment
// decodes to size bytes, without holding it.
func bigBody(name string, size int64) io.Reader {
	prefix, suffix := bigBodyParts(name)
	return io.MultiReader(strings.NewReader(prefix), io.LimitReader(&base64Filler{}, int64(base64.StdEncoding.EncodedLen(int(size)))), strings.NewReader(suffix))
}

func bigBodyLen(name string, size int64) int64 {
	prefix, suffix := bigBodyParts(name)
	return int64(len(prefix)+len(suffix)) + int64(base64.StdEncoding.EncodedLen(int(size)))
}

func bigBodyParts(name string) (string, string) {
	return fmt.Sprintf(`{"_id":%q,"name":%q,"_attachments":{"%s-1.0.0.tgz":{"content_type":"application/octet-stream","data":"`, name, name, name),
		fmt.Sprintf(`"}},"versions":{"1.0.0":{"name":%q,"version":"1.0.0","dist":{"integrity":"sha512-AAAA"}}}}`, name)
}

// base64Filler yields "QUFB" (base64 of "AAA") without end.
type base64Filler struct{ pos int }

func (f *base64Filler) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "QUFB"[f.pos%4]
		f.pos++
	}
	return len(p), nil
}

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// send does req with the token and reads the answer; a connection the
// server closed after answering early is fine.
func send(t *testing.T, req *http.Request, tok string) reply {
	t.Helper()
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}
