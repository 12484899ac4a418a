package robust

import (
	"archive/tar"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/testserver"
)

// runServe runs `rampart serve` on data and expects it to exit by itself
// (refusing to start) within a minute; it returns the exit error and the
// output.
func runServe(t *testing.T, data string, extra ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := append([]string{"serve", "--data", data, "--listen", "127.0.0.1:0"}, extra...)
	cmd := exec.CommandContext(ctx, testserver.Binary(t), args...)
	cfg := filepath.Join(t.TempDir(), "rampart.toml")
	if err := os.WriteFile(cfg, []byte("version = 1\n[passwords]\nhibp_disabled = true\n[email_domains]\ncheck = false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Args = append(cmd.Args, "--config", cfg)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("rampart serve on %s kept running; it should have refused to start\n%s", data, out)
	}
	return string(out), err
}

// TestSecondServerRefused: a second `rampart serve` on the same data folder
// with another listen address fails at once, naming the first; the first
// keeps handing out tarball links to its own port, and they download.
func TestSecondServerRefused(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "")
	body, tgz := goodPublish(t, "two-servers", "1.0.0", "one")
	if rep := mustDo(t, http.MethodPut, s.URL+"two-servers", tok, body); rep.Status/100 != 2 {
		t.Fatalf("publish: %d %s", rep.Status, rep.Body)
	}

	out, err := runServe(t, s.Data)
	if err == nil {
		t.Fatalf("a second rampart serve on %s exited 0:\n%s", s.Data, out)
	}
	port := s.Addr[strings.LastIndex(s.Addr, ":")+1:]
	for _, want := range []string{"in use by another rampart serve", "pid ", ":" + port} {
		if !strings.Contains(out, want) {
			t.Errorf("the second server's error does not say %q:\n%s", want, out)
		}
	}

	p, ok := getPackument(t, s, "two-servers")
	if !ok {
		t.Fatal("packument gone")
	}
	url := p.Versions["1.0.0"].Dist.Tarball
	if !strings.HasPrefix(url, s.URL) {
		t.Fatalf("after a second server tried the folder, the first serves tarball URL %s; want one under %s", url, s.URL)
	}
	if got, status := download(t, url); status != http.StatusOK || string(got) != string(tgz) {
		t.Fatalf("download %s: %d, %d bytes", url, status, len(got))
	}
}

// TestAdminBesideInFlightPublishes: admin commands run in a loop while six
// 40 MB publishes are in flight; every publish succeeds and downloads
// whole. (Admin commands used to empty the blob store's temporary folder
// at start, under the server's feet.)
func TestAdminBesideInFlightPublishes(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("publishes 240 MB")
	}
	s, tok := startWithUser(t, "")
	const n = 6
	bodies := make([][]byte, n)
	tgzs := make([][]byte, n)
	for i := range n {
		big := make([]byte, 40<<20)
		rand.Read(big)
		name := fmt.Sprintf("big-%d", i)
		tgzs[i] = npmfixture.Tarball(0,
			npmfixture.Entry{Name: "package/", Type: tar.TypeDir},
			npmfixture.File("package/package.json", packageJSON(name, "1.0.0")),
			npmfixture.File("package/blob.bin", string(big)))
		bodies[i] = publishDoc(name, "1.0.0", tgzs[i], npmfixture.Integrity(tgzs[i]))
	}

	stop := make(chan struct{})
	adminDone := make(chan int)
	go func() {
		runs := 0
		defer func() { adminDone <- runs }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if out, err := s.Admin(t, "", "package", "critical", "ls"); err != nil {
				t.Errorf("admin command beside the server: %v\n%s", err, out)
				return
			}
			runs++
		}
	}()
	var wg sync.WaitGroup
	statuses := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep := mustDo(t, http.MethodPut, s.URL+fmt.Sprintf("big-%d", i), tok, bodies[i])
			statuses[i] = fmt.Sprintf("%d %.200s", rep.Status, rep.Body)
		}()
	}
	wg.Wait()
	close(stop)
	runs := <-adminDone
	t.Logf("%d admin commands ran beside the publishes", runs)
	for i, st := range statuses {
		if !strings.HasPrefix(st, "2") {
			t.Errorf("publish of big-%d beside admin commands: %s", i, st)
			continue
		}
		got, status := download(t, s.URL+fmt.Sprintf("big-%d/-/big-%d-1.0.0.tgz", i, i))
		if status != http.StatusOK || string(got) != string(tgzs[i]) {
			t.Errorf("big-%d downloads with %d, %d bytes; want 200 and the %d bytes published", i, status, len(got), len(tgzs[i]))
		}
	}
}

// TestOlderBinaryRefusesNewerSchema: a data folder a newer release
// migrated (here: a migration this binary does not have) is refused at
// start with a clear error and a non-zero exit, and the folder is not
// written to.
func TestOlderBinaryRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	s, _ := startWithUser(t, "")
	s.Stop()
	db, err := sql.Open("sqlite", filepath.Join(s.Data, "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version) VALUES ('9999_newer_release')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out, err := runServe(t, s.Data)
	if err == nil {
		t.Fatalf("rampart serve started on a newer schema:\n%s", out)
	}
	for _, want := range []string{"9999_newer_release", "newer than this binary", "run the newer Rampart"} {
		if !strings.Contains(out, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Rampart is serving") {
		t.Errorf("the server announced itself before refusing:\n%s", out)
	}
}

// TestServeRefusesCorruptDatabase: a database damaged on disk (or copied
// while a server wrote it) is refused at start with a clear error.
func TestServeRefusesCorruptDatabase(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "")
	for i := range 40 {
		name := fmt.Sprintf("filler-%02d", i)
		body, _ := goodPublish(t, name, "1.0.0", strings.Repeat("x", 2000))
		if rep := mustDo(t, http.MethodPut, s.URL+name, tok, body); rep.Status/100 != 2 {
			t.Fatalf("publish %s: %d %s", name, rep.Status, rep.Body)
		}
	}
	s.Stop() // checkpoints the WAL into the file
	path := filepath.Join(s.Data, "metadata.db")
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	garbage := make([]byte, 8192)
	for i := range garbage {
		garbage[i] = byte(i*13 + 5)
	}
	if _, err := f.WriteAt(garbage, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	f.Close()

	out, err := runServe(t, s.Data)
	if err == nil {
		t.Fatalf("rampart serve started on a damaged database:\n%s", out)
	}
	for _, want := range []string{"integrity check", "rampart admin backup"} {
		if !strings.Contains(out, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, out)
		}
	}
}
