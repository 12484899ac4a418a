package blobtest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/blob/blobtest"
	"github.com/rampart/rampart/internal/blob/fsblob"
	"github.com/rampart/rampart/internal/core"
)

// signingStore is the filesystem store with signed URLs, as an S3 backend
// would offer them: a URL carries its expiry and an HMAC over digest and
// expiry, and a small HTTP server plays the object store, checking both
// against a clock the test moves.
type signingStore struct {
	*fsblob.Store
	base string
	key  []byte

	mu  sync.Mutex
	now time.Time
}

var _ blob.URLSigner = (*signingStore)(nil)

func (s *signingStore) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

func (s *signingStore) advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = s.now.Add(d)
}

func (s *signingStore) mac(d blob.Digest, exp int64) string {
	h := hmac.New(sha256.New, s.key)
	fmt.Fprintf(h, "%s\n%d", d, exp)
	return hex.EncodeToString(h.Sum(nil))
}

func (s *signingStore) SignedURL(ctx context.Context, d blob.Digest, ttl time.Duration) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("signing a URL: %w", err)
	}
	if !d.Valid() {
		return "", core.Errorf(core.KindInvalid, "invalid blob digest")
	}
	if ttl <= 0 {
		return "", core.Errorf(core.KindInvalid, "a signed URL needs a positive lifetime, not %v", ttl)
	}
	exp := s.clock().Add(ttl).Unix()
	return fmt.Sprintf("%s/%s?exp=%d&sig=%s", s.base, d, exp, s.mac(d, exp)), nil
}

// ServeHTTP is the object store's side: it serves a blob to a URL whose
// signature holds and whose expiry has not passed.
func (s *signingStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d := blob.Digest(r.URL.Path[1:])
	exp, err := strconv.ParseInt(r.URL.Query().Get("exp"), 10, 64)
	if err != nil || !hmac.Equal([]byte(r.URL.Query().Get("sig")), []byte(s.mac(d, exp))) {
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	if !s.clock().Before(time.Unix(exp, 0)) {
		http.Error(w, "expired", http.StatusForbidden)
		return
	}
	rc, _, err := s.Open(r.Context(), d)
	if err != nil {
		http.Error(w, "no such blob", http.StatusNotFound)
		return
	}
	defer rc.Close()
	http.ServeContent(w, r, "", time.Time{}, rc)
}

func newSigningStore(t *testing.T) *signingStore {
	fs, err := fsblob.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	s := &signingStore{Store: fs, key: []byte("test key"), now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.base = srv.URL
	return s
}

// TestURLSignerFake runs the signed-URL checks on the fake: the
// capability is found by type assertion on a plain blob.Store, and the
// checks pass for a backend that keeps the contract.
func TestURLSignerFake(t *testing.T) {
	var last *signingStore
	blobtest.RunURLSigner(t, func(t *testing.T) blob.Store {
		last = newSigningStore(t)
		return last
	}, blobtest.URLSignerOptions{Advance: func(d time.Duration) { last.advance(d) }})
}

// TestURLSignerFound: the read path's test for the capability tells a
// store that has it from one that has not (the filesystem store, which
// is always read through Open).
func TestURLSignerFound(t *testing.T) {
	var withURLs blob.Store = newSigningStore(t)
	if _, ok := withURLs.(blob.URLSigner); !ok {
		t.Error("a store with SignedURL is not found to be a blob.URLSigner")
	}
	var plain blob.Store = withURLs.(*signingStore).Store
	if _, ok := plain.(blob.URLSigner); ok {
		t.Error("fsblob.Store is a blob.URLSigner; the read path would redirect to it")
	}
}
