package ops

import (
	"bytes"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/blob/fsblob"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/diskspace"
)

// TestBlobsRefuseWritesWithoutRoom: below [disk] min_free a Put is refused
// before it writes, with the error the front-ends answer 507; the wrapper
// keeps the store's Scratcher; the log warns once per crossing, before
// writes are refused.
func TestBlobsRefuseWritesWithoutRoom(t *testing.T) {
	var free atomic.Uint64
	free.Store(10 << 30)
	var logs bytes.Buffer
	cfg := config.Default()
	cfg.Data = t.TempDir()
	ops := New(cfg, func(string) (uint64, error) { return free.Load(), nil }, slog.New(slog.NewTextHandler(&logs, nil)))
	fs, err := fsblob.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blobs := ops.WrapBlobs(fs)
	if _, ok := blobs.(blob.Scratcher); !ok {
		t.Fatal("the wrapper hides the store's Scratcher")
	}
	data := []byte("hello")
	if err := blobs.Put(t.Context(), blob.DigestOf(data), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	free.Store(1 << 30) // below warn_free (2 GiB), above min_free (512 MiB)
	data = []byte("still fits")
	if err := blobs.Put(t.Context(), blob.DigestOf(data), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "filling up") {
		t.Fatalf("no warning before writes are refused:\n%s", logs.String())
	}
	free.Store(100 << 20)
	data = []byte("no room")
	err = blobs.Put(t.Context(), blob.DigestOf(data), bytes.NewReader(data))
	if !diskspace.IsFull(err) {
		t.Fatalf("Put with 100 MiB free: %v", err)
	}
	if _, err := blobs.Stat(t.Context(), blob.DigestOf(data)); err == nil {
		t.Fatal("the refused blob was written")
	}
	if _, err := blobs.(blob.Scratcher).Scratch(); !diskspace.IsFull(err) {
		t.Fatalf("Scratch with 100 MiB free: %v", err)
	}
	if strings.Count(logs.String(), "filling up") != 1 || strings.Count(logs.String(), "disk is full") != 1 {
		t.Fatalf("want one warning and one error, once per crossing:\n%s", logs.String())
	}
}
