package registry_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

// TestVerifiedFileIsHashedOncePerMinute: a file that hashed right is
// served without hashing it again for a minute, so that HEADs, one-byte
// Ranges and 304s cannot make the server hash a large file per request;
// rot is still refused once that minute is over.
func TestVerifiedFileIsHashedOncePerMinute(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "left-pad", "1.0.0", "latest", nil)
	open := func() error {
		tb, err := e.svc.Registry.OpenTarball(e.ctx, authz.Principal{}, "left-pad", "left-pad-1.0.0.tgz")
		if err == nil {
			tb.Close()
		}
		return err
	}
	if err := open(); err != nil {
		t.Fatalf("the healthy file: %v", err)
	}

	var file string
	filepath.WalkDir(filepath.Join(e.data, "blobs", "sha512"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			file = p
		}
		return err
	})
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}

	e.clock.Set(policyT0.Add(30 * time.Second))
	if err := open(); err != nil {
		t.Fatalf("within a minute of its last check the file was hashed again: %v", err)
	}
	e.clock.Set(policyT0.Add(61 * time.Second))
	if err := open(); core.KindOf(err) != core.KindDataFault {
		t.Fatalf("a minute after its last check the damaged file was served (err %v), want a data fault", err)
	}
	if err := open(); core.KindOf(err) != core.KindDataFault {
		t.Fatalf("a file found damaged was served on the next request (err %v)", err)
	}
}
