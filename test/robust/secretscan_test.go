package robust

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testpeers/scanner"
	"github.com/rampart/rampart/internal/testserver"
)

// TestSecretScanningReportHostile: the report endpoint, open to anyone,
// costs an attacker's requests little. A body that promises a report and
// stalls is cut by the body deadline with a message; a Content-Length
// over the bound is refused before the body is read; forged reports
// naming made-up keys make the registry fetch the scanner's key list at
// most once, and revoke nothing.
func TestSecretScanningReportHostile(t *testing.T) {
	t.Parallel()
	sc := scanner.Start(t)
	s := testserver.Start(t, testserver.Options{Config: "[limits]\nbody_grace_seconds = 2\n[[secret_scanning.scanners]]\nname = \"peer\"\nkeys_url = \"" + sc.KeysURL + "\"\n"})
	endpoint := s.URL + "-/secret-scanning/peer"

	c := dialFrom(t, s, "127.0.0.3")
	fmt.Fprintf(c, "POST /-/secret-scanning/peer HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nGithub-Public-Key-Identifier: k\r\nGithub-Public-Key-Signature: c2ln\r\n\r\n[", s.Addr)
	resp, body, err := readReply(c, 60*time.Second)
	if err != nil {
		t.Fatalf("stalled report: not answered: %v", err)
	}
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "did not arrive within") {
		t.Fatalf("stalled report: %d %s, want 400 saying the body was late", resp.StatusCode, body)
	}

	c = dialFrom(t, s, "127.0.0.3")
	fmt.Fprintf(c, "POST /-/secret-scanning/peer HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", s.Addr, 1<<30)
	resp, body, err = readReply(c, 60*time.Second)
	if err != nil {
		t.Fatalf("huge Content-Length: not answered: %v", err)
	}
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "larger than 1 MiB") {
		t.Fatalf("huge Content-Length: %d %s, want 413", resp.StatusCode, body)
	}

	b := scanner.Body(t, scanner.Match{Token: "rmp_x", Type: "t", URL: "u", Source: "s"})
	_, sig := sc.Sign(b)
	for i := range 30 {
		r := scanner.Post(t, endpoint, b, fmt.Sprintf("forged-%d", i), sig)
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("forged key id %d: %d %s", i, r.Status, r.Body)
		}
	}
	if n := sc.KeyFetches(); n != 1 {
		t.Fatalf("30 forged key ids made %d fetches of the key list, want 1", n)
	}
}
