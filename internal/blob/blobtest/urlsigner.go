package blobtest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
)

// URLSignerOptions adapts the signed-URL checks to a backend.
type URLSignerOptions struct {
	// Client fetches the signed URLs; nil means http.DefaultClient.
	Client *http.Client
	// Advance moves the clock that the backend checks expiry against
	// forward by d. Nil means real time: the check then waits d out,
	// which costs a second or two but depends on no machine's speed.
	Advance func(d time.Duration)
}

// signerTests are the checks of blob.URLSigner.
var signerTests = []struct {
	name string
	fn   func(t *testing.T, s blob.URLSigner, st blob.Store, c *cleanup, o URLSignerOptions)
}{
	{"Fetch", testSignedFetch},
	{"Expires", testSignedExpires},
	{"Invalid", testSignedInvalid},
	{"CancelledContext", testSignedCancelled},
}

func (o URLSignerOptions) withDefaults() URLSignerOptions {
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	if o.Advance == nil {
		o.Advance = time.Sleep
	}
	return o
}

// RunURLSigner checks the signed URLs (blob.URLSigner) of the stores
// newStore returns, each case on a fresh store, and fails if they do not
// offer signed URLs: it finds the capability by type assertion, as the
// read path would. A backend that offers them runs it beside Run:
//
//	func TestSignedURLs(t *testing.T) {
//		blobtest.RunURLSigner(t, newStore, blobtest.URLSignerOptions{})
//	}
//
// Run does not run these checks itself: the expiry check must move the
// backend's own clock, which only the backend's test knows how to do.
func RunURLSigner(t *testing.T, newStore func(t *testing.T) blob.Store, opts URLSignerOptions) {
	t.Helper()
	opts = opts.withDefaults()
	for _, tt := range signerTests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t)
			signer, ok := st.(blob.URLSigner)
			if !ok {
				t.Fatalf("%T does not implement blob.URLSigner", st)
			}
			requireList(t, st, nil)
			c := &cleanup{}
			t.Cleanup(func() { c.run(t, st) })
			tt.fn(t, signer, st, c, opts)
		})
	}
}

// signed signs d for ttl and checks that the URL is absolute http(s).
func signed(t *testing.T, s blob.URLSigner, d blob.Digest, ttl time.Duration) string {
	t.Helper()
	u, err := s.SignedURL(context.Background(), d, ttl)
	if err != nil {
		t.Fatalf("SignedURL(%s, %v): %v", short(d), ttl, err)
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		t.Fatalf("SignedURL(%s) = %q, want an absolute http or https URL (parse error: %v)", short(d), u, err)
	}
	return u
}

// fetch GETs u without credentials and returns the status and body.
func fetch(t *testing.T, o URLSignerOptions, u string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		t.Fatalf("GET signed URL: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading signed URL's body: %v", err)
	}
	return resp.StatusCode, body
}

// testSignedFetch: each blob's URL serves exactly that blob's bytes, an
// empty blob included, and two blobs never share a URL.
func testSignedFetch(t *testing.T, s blob.URLSigner, st blob.Store, c *cleanup, o URLSignerOptions) {
	blobs := [][]byte{payload(31, 70_000), payload(32, 10), {}}
	seen := map[string]bool{}
	for _, b := range blobs {
		d := put(t, st, c, b)
		u := signed(t, s, d, time.Hour)
		if seen[u] {
			t.Errorf("SignedURL(%s) = %q, the URL of another blob", short(d), u)
		}
		seen[u] = true
		status, got := fetch(t, o, u)
		if status != http.StatusOK {
			t.Fatalf("GET SignedURL(%s): status %d, want 200", short(d), status)
		}
		if blob.DigestOf(got) != d {
			t.Errorf("GET SignedURL(%s): %d bytes that are not the blob's (%d bytes)", short(d), len(got), len(b))
		}
	}
}

// testSignedExpires: a URL stops working once its ttl has passed.
func testSignedExpires(t *testing.T, s blob.URLSigner, st blob.Store, c *cleanup, o URLSignerOptions) {
	d := put(t, st, c, payload(33, 1000))
	u := signed(t, s, d, time.Second)
	o.Advance(2 * time.Second)
	if status, _ := fetch(t, o, u); status == http.StatusOK {
		t.Errorf("GET SignedURL(%s, 1s) two seconds later: status 200, want a refusal", short(d))
	}
	// A new URL for the same blob still works: expiry ends the URL, not
	// the blob.
	if status, got := fetch(t, o, signed(t, s, d, time.Hour)); status != http.StatusOK || blob.DigestOf(got) != d {
		t.Errorf("GET a fresh SignedURL(%s): status %d, bytes right: %v", short(d), status, blob.DigestOf(got) == d)
	}
}

// testSignedInvalid: a digest that is not Valid and a ttl that is not
// positive are refused as invalid.
func testSignedInvalid(t *testing.T, s blob.URLSigner, st blob.Store, c *cleanup, o URLSignerOptions) {
	ctx := context.Background()
	good := blob.DigestOf([]byte("x"))
	for _, d := range []blob.Digest{"", good[:127], "../" + good[3:], good[:126] + "G0"} {
		_, err := s.SignedURL(ctx, d, time.Hour)
		requireKind(t, "SignedURL with invalid digest "+string(d), err, core.KindInvalid)
	}
	for _, ttl := range []time.Duration{0, -time.Second} {
		_, err := s.SignedURL(ctx, good, ttl)
		requireKind(t, "SignedURL with ttl "+ttl.String(), err, core.KindInvalid)
	}
}

// testSignedCancelled: a cancelled context fails with its error.
func testSignedCancelled(t *testing.T, s blob.URLSigner, st blob.Store, c *cleanup, o URLSignerOptions) {
	d := put(t, st, c, payload(34, 100))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.SignedURL(ctx, d, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("SignedURL with a cancelled context: %v, want context.Canceled", err)
	}
}
