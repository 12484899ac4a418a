package robust

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// TestHeadAndRangeRequestsAreNotDownloads: anonymous HEAD and ranged GETs
// of a tarball, hundreds of them from as many addresses, and complete GETs
// repeated from one source, must not pass for downloads. Before, each
// request counted: 600 of them made the package critical (locking out a
// maintainer without a security key) and blocked its unpublish (over 300
// weekly downloads). Now a download is a complete GET, counted once per
// source (IPv4 address, IPv6 /64) per package and day, in the store so
// that it holds across the restart.
func TestHeadAndRangeRequestsAreNotDownloads(t *testing.T) {
	t.Parallel()
	// Loopback is a trusted proxy, so that X-Forwarded-For gives each
	// request the client address the test chooses. The floor is 3
	// downloads (not the default 1000), and unpublishing is decided by
	// the policy at once (no 72-hour window), so that the counts alone
	// decide both.
	s, token := startWithUser(t, `trusted_proxies = ["127.0.0.1/32"]
[unpublish]
window_hours = 0
[mfa]
critical_min_downloads = 3
`)
	const name = "crowd"
	body, tgz := goodPublish(t, name, "1.0.0", "first")
	if rep := mustDo(t, http.MethodPut, s.URL+name, token, body); rep.Status != http.StatusOK && rep.Status != http.StatusCreated {
		t.Fatalf("publish: %d %s", rep.Status, rep.Body)
	}
	tarball := s.URL + name + "/-/" + name + "-1.0.0.tgz"
	get := func(method, from, rng string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, tarball, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Forwarded-For", from)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}
	for i := range 200 {
		addr := fmt.Sprintf("198.18.%d.%d", i/250, i%250+1)
		if st, _ := get(http.MethodHead, addr, ""); st != http.StatusOK {
			t.Fatalf("HEAD: %d", st)
		}
		if st, b := get(http.MethodGet, addr, "bytes=0-9"); st != http.StatusPartialContent || len(b) != 10 {
			t.Fatalf("ranged GET: %d, %d bytes", st, len(b))
		}
		// The whole file, but as a ranged request: still not a download.
		if st, _ := get(http.MethodGet, addr, "bytes=0-"); st != http.StatusPartialContent {
			t.Fatalf("ranged GET of the whole file: %d", st)
		}
	}
	// Complete downloads: 50 from one IPv4 address, and one each from two
	// addresses in the same IPv6 /64. Two sources, so two downloads.
	for range 50 {
		if st, b := get(http.MethodGet, "203.0.113.9", ""); st != http.StatusOK || !bytes.Equal(b, tgz) {
			t.Fatalf("GET: %d, %d bytes", st, len(b))
		}
	}
	for _, a := range []string{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe"} {
		if st, _ := get(http.MethodGet, a, ""); st != http.StatusOK {
			t.Fatalf("GET from %s: %d", a, st)
		}
	}
	if n := weeklyDownloads(t, s, name); n != "2" {
		t.Fatalf("the package page shows %s downloads this week, want 2 (HEAD and ranged requests are not downloads; one source counts once)", n)
	}

	// The restart writes the counts and recomputes the critical packages.
	s = s.Restart(t)
	if n := weeklyDownloads(t, s, name); n != "2" {
		t.Fatalf("after the restart the package page shows %s downloads, want 2", n)
	}
	out, err := s.Admin(t, "", "package", "critical", "ls")
	if err != nil {
		t.Fatalf("critical ls: %v\n%s", err, out)
	}
	if strings.Contains(out, name) {
		t.Fatalf("%s became critical from HEAD, ranged and repeated requests:\n%s", name, out)
	}
	// Unpublishing is not blocked by a flood of requests that cost nothing.
	token = login(t, s, testUser, testPassword)
	if rep := mustDo(t, http.MethodDelete, s.URL+name+"/-rev/1", token, nil); rep.Status != http.StatusOK {
		t.Fatalf("unpublish: %d %s", rep.Status, rep.ErrorMsg())
	}
}

var downloadsRE = regexp.MustCompile(`<p class="downloads">([^<]*)</p>`)

// weeklyDownloads reads the weekly downloads off the package's web page.
func weeklyDownloads(t *testing.T, s *testserver.Server, name string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+"package/"+name, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := downloadsRE.FindSubmatch(b)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("package page: %d, no download count:\n%s", resp.StatusCode, b)
	}
	return string(m[1])
}
