package httpguard

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/limits"
)

func TestSourceOf(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":                 "192.0.2.7",
		"2001:db8:1:2:3:4:5:6":      "2001:db8:1:2::",
		"2001:db8:1:2:ffff::1":      "2001:db8:1:2::",
		"2001:db8:1:3::1":           "2001:db8:1:3::",
		"::ffff:192.0.2.7":          "192.0.2.7",
		"::1":                       "::",
		"fe80::1:2:3:4":             "fe80::",
		"2001:db8:aaaa:bbbb:cccc::": "2001:db8:aaaa:bbbb::",
	} {
		if got := sourceOf(netip.MustParseAddr(in).Unmap()); got.String() != want {
			t.Errorf("sourceOf(%s) = %s, want %s", in, got, want)
		}
	}
}

// serveCapped runs a tiny server behind LimitPerSource on loopback.
func serveCapped(t *testing.T, max int, exempt []netip.Prefix) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })}
	go srv.Serve(LimitPerSource(ln, max, exempt, slog.New(slog.DiscardHandler)))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// get sends one request on a new connection, which stays open.
func get(t *testing.T, addr string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(b)
}

func TestPerSourceCap(t *testing.T) {
	addr := serveCapped(t, 2, nil)
	for i := range 2 {
		if code, _ := get(t, addr); code != http.StatusOK {
			t.Fatalf("connection %d under the cap: %d", i, code)
		}
	}
	code, body := get(t, addr)
	if code != http.StatusTooManyRequests || !strings.Contains(body, `"error":"too many connections from your address`) {
		t.Fatalf("connection over the cap: %d %s", code, body)
	}
}

func TestPerSourceCapExemptsTrustedProxies(t *testing.T) {
	addr := serveCapped(t, 1, []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	for i := range 3 {
		if code, _ := get(t, addr); code != http.StatusOK {
			t.Fatalf("connection %d from a trusted proxy: %d", i, code)
		}
	}
}

func TestBodyBytes(t *testing.T) {
	lim := limits.Default()
	for _, c := range []struct {
		method, path string
		length       int64
		want         int64
	}{
		{"POST", "/-/v1/login", 120, 120},
		{"POST", "/-/v1/login", -1, limits.MaxJSONBodyBytes},
		{"POST", "/-/v1/login", 1 << 40, limits.MaxJSONBodyBytes},
		{"PUT", "/-/package/x/dist-tags/latest", -1, limits.MaxJSONBodyBytes},
		{"PUT", "/left-pad", -1, lim.PublishBodyBytes()},
		{"PUT", "/@acme%2fwidget", 1 << 40, lim.PublishBodyBytes()},
		{"PUT", "/left-pad", 5000, 5000},
	} {
		r, _ := http.NewRequest(c.method, "http://x"+c.path, nil)
		r.ContentLength = c.length
		if got := bodyBytes(r, lim); got != c.want {
			t.Errorf("%s %s (%d): %d, want %d", c.method, c.path, c.length, got, c.want)
		}
	}
	// The largest publish at 1 Mbit/s, plus the grace: about 20 minutes.
	if d := lim.BodyTimeout(lim.PublishBodyBytes()); d < 19*time.Minute || d > 21*time.Minute {
		t.Errorf("the largest publish gets %s", d)
	}
}
