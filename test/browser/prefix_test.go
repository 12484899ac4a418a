package browser

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// TestPasskeyUnderPathPrefix (issue 13 friction): with the registry
// served under a path (public_url http://localhost:PORT/registry/), a
// user registers a passkey and signs in with it alone, and every call and
// redirect of the ceremony stays under the prefix: the relying party is
// the host, the origin the public URL's.
func TestPasskeyUnderPathPrefix(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{PathPrefix: "/registry"})
	if !strings.HasSuffix(s.URL, "/registry/") {
		t.Fatalf("public URL %s, want it under /registry/", s.URL)
	}
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	b := newBrowser(t, 2*time.Minute)
	platform := b.addAuthenticator(platformPasskeys)
	// A reverse proxy forwards only the prefix: every request the pages
	// and the WebAuthn script make must stay under it (this server also
	// answers without the prefix, so only the requests can tell).
	var mu sync.Mutex
	var requests []string
	if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("Network.enable: %v", err)
	}
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Request != nil {
			mu.Lock()
			requests = append(requests, e.Request.Method+" "+e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	root := strings.TrimSuffix(s.URL, "registry/")

	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/account/security-keys"))
	b.enterPassword("alice", alicePW, `#webauthn-register`)
	if loc := b.location(); loc != s.URL+"account/security-keys" {
		t.Fatalf("after the password the browser is at %s, want %saccount/security-keys", loc, s.URL)
	}
	b.registerKey(s.URL, "Test laptop", "passkey")
	mustContain(t, b.text(`table.keys tbody`), "Test laptop", "Passkey")
	if loc := b.location(); !strings.HasPrefix(loc, s.URL+"account/security-keys") {
		t.Fatalf("after registering the browser is at %s, want the security keys page under the prefix", loc)
	}
	creds := b.credentials(platform)
	if len(creds) != 1 || creds[0].RpID != "localhost" {
		t.Fatalf("the authenticator holds %+v, want one passkey for localhost", creds)
	}

	b.run("sign out",
		chromedp.Click(chromedp.CSS(`nav.account button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.account a[href^="/registry/login"]`)),
	)
	b.run("sign in with the passkey alone",
		chromedp.Navigate(s.URL+"login?next=/account"),
		chromedp.WaitVisible(chromedp.CSS(`#passkey-signin`)),
		chromedp.Click(chromedp.CSS(`#passkey-signin`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)),
	)
	b.signedInAs("alice")
	if loc := b.location(); loc != s.URL+"account" {
		t.Fatalf("after the passkey sign-in the browser is at %s, want %saccount", loc, s.URL)
	}

	mu.Lock()
	defer mu.Unlock()
	ceremony := 0
	for _, r := range requests {
		_, u, _ := strings.Cut(r, " ")
		if strings.HasPrefix(u, root) && !strings.HasPrefix(u, s.URL) {
			t.Errorf("the browser asked outside the prefix: %s", r)
		}
		if strings.HasPrefix(u, s.URL+"-/webauthn/") {
			ceremony++
		}
	}
	if ceremony < 4 {
		t.Fatalf("saw %d WebAuthn calls under the prefix, want the registration's and the sign-in's begin and finish:\n%s", ceremony, strings.Join(requests, "\n"))
	}
}
