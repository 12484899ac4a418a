package robust

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/testserver"
)

// admin runs `rampart admin args...` without a server's config (restore
// targets a folder no server uses).
func admin(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, testserver.Binary(t), append([]string{"admin"}, args...)...).CombinedOutput()
	return string(out), err
}

// TestBackupWhilePublishing: `rampart admin backup` runs while clients
// publish; the backup restores (`rampart admin restore`) into a folder a
// server starts on, and there every version the backup lists installs with
// npm, with the integrity it was published with, and every version
// acknowledged before the backup began is among them.
func TestBackupWhilePublishing(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "")
	const pkg = "backed-up"
	var mu sync.Mutex
	acked := map[string]string{} // version -> integrity
	publish := func(i int) bool {
		v := fmt.Sprintf("1.0.%d", i)
		body, tgz := goodPublish(t, pkg, v, strings.Repeat("payload ", 2000)+v)
		rep, err := do(http.MethodPut, s.URL+pkg, tok, strings.NewReader(string(body)), "application/json")
		if err != nil || rep.Status/100 != 2 {
			t.Errorf("publish %s: %v %d %s", v, err, rep.Status, rep.Body)
			return false
		}
		mu.Lock()
		acked[v] = npmfixture.Integrity(tgz)
		mu.Unlock()
		return true
	}
	for i := range 5 {
		if !publish(i) {
			t.FailNow()
		}
	}
	before := len(acked)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 100 + w*1000; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if !publish(i) {
					return
				}
			}
		}()
	}
	backup := filepath.Join(t.TempDir(), "backup")
	out, err := s.Admin(t, "", "backup", "--to", backup)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("admin backup while publishing: %v\n%s", err, out)
	}
	t.Logf("%s(%d versions acknowledged in all)", out, len(acked))

	restored := filepath.Join(t.TempDir(), "restored")
	if out, err := admin(t, "restore", "--from", backup, "--data", restored); err != nil {
		t.Fatalf("admin restore: %v\n%s", err, out)
	}
	s.Stop()
	r := testserver.Start(t, testserver.Options{Data: restored})
	p, ok := getPackument(t, r, pkg)
	if !ok {
		t.Fatal("the restored registry does not know the package")
	}
	if len(p.Versions) < before {
		t.Errorf("the restored registry lists %d versions; %d were acknowledged before the backup began", len(p.Versions), before)
	}
	n := testserver.NewNPM(t, r.URL)
	for v, meta := range p.Versions {
		if want, ok := acked[v]; !ok || meta.Dist.Integrity != want {
			t.Errorf("restored %s@%s has integrity %s; acknowledged with %q", pkg, v, meta.Dist.Integrity, want)
		}
		if !strings.HasPrefix(meta.Dist.Tarball, r.URL) {
			t.Errorf("restored %s@%s links its tarball at %s, not at the server now running (%s)", pkg, v, meta.Dist.Tarball, r.URL)
		}
		// npm checks the integrity of what it downloads.
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"app","version":"1.0.0","private":true}`), 0o600); err != nil {
			t.Fatal(err)
		}
		n.MustRun(dir, "install", "--no-audit", pkg+"@"+v)
	}
}

// TestRestoreRefusesDamagedBackup: a backup whose package file rotted is
// refused by restore, naming the version, and nothing is written.
func TestRestoreRefusesDamagedBackup(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "")
	body, tgz := goodPublish(t, "fragile", "1.0.0", "fragile")
	if rep := mustDo(t, http.MethodPut, s.URL+"fragile", tok, body); rep.Status/100 != 2 {
		t.Fatalf("publish: %d %s", rep.Status, rep.Body)
	}
	backup := filepath.Join(t.TempDir(), "backup")
	if out, err := s.Admin(t, "", "backup", "--to", backup); err != nil {
		t.Fatalf("admin backup: %v\n%s", err, out)
	}
	flipBit(t, blobPath(backup, tgz))
	restored := filepath.Join(t.TempDir(), "restored")
	out, err := admin(t, "restore", "--from", backup, "--data", restored)
	if err == nil || !strings.Contains(out, "fragile@1.0.0") || !strings.Contains(out, "corrupt") {
		t.Fatalf("admin restore of a damaged backup: %v\n%s", err, out)
	}
	if _, err := os.Stat(restored); !os.IsNotExist(err) {
		t.Errorf("a refused restore left %s behind: %v", restored, err)
	}
}

// TestDataFolderOwnerOnly: every file and folder the server and the admin
// commands create in the data folder (and in a backup) is owner-only: the
// database holds password and token hashes, the outbox holds sign-in
// links, the blobs hold restricted packages.
func TestDataFolderOwnerOnly(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "")
	body, _ := goodPublish(t, "private-bits", "1.0.0", "x")
	if rep := mustDo(t, http.MethodPut, s.URL+"private-bits", tok, body); rep.Status/100 != 2 {
		t.Fatalf("publish: %d %s", rep.Status, rep.Body)
	}
	// A sign-up writes mail to the outbox.
	signup, _ := json.Marshal(map[string]string{"name": "newbie", "password": "a-long-passphrase-nobody-guesses", "email": "newbie@example.com"})
	if rep := mustDo(t, http.MethodPut, s.URL+"-/user/org.couchdb.user:newbie", "", signup); rep.Status/100 != 2 {
		t.Fatalf("sign-up: %d %s", rep.Status, rep.Body)
	}
	check := func(root string, want ...string) {
		seen := map[string]bool{}
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := e.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			seen[rel] = true
			if fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s has mode %v; want owner-only", p, fi.Mode().Perm())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !seen[w] {
				t.Errorf("%s has no %s (the check would prove nothing about it): %v", root, w, seen)
			}
		}
	}
	check(s.Data, ".", "lock", "metadata.db", "metadata.db-wal", "metadata.db-shm", "blobs", "blobs/sha512", "blobs/tmp", "outbox")
	backup := filepath.Join(t.TempDir(), "backup")
	if out, err := s.Admin(t, "", "backup", "--to", backup); err != nil {
		t.Fatalf("admin backup: %v\n%s", err, out)
	}
	check(backup, ".", "metadata.db", "blobs", "blobs/sha512")
}
