package e2e

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"github.com/rampart/rampart/internal/testpeers/sigstore"
	"github.com/rampart/rampart/internal/testserver"
)

// verifyRun is one run of `rampart verify`.
type verifyRun struct {
	out  string
	code int
}

// rampartVerify runs the real `rampart verify DIR` against s with the
// given cache folder (the client's pinned key and last checkpoint).
func rampartVerify(t *testing.T, s *testserver.Server, dir, cache string, args ...string) verifyRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	full := append([]string{"verify", dir, "--registry", s.URL, "--cache-dir", cache, "--verbose"}, args...)
	cmd := exec.CommandContext(ctx, testserver.Binary(t), full...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("rampart verify: %v\n%s", err, out)
	}
	return verifyRun{out: string(out), code: code}
}

// waitLogged waits until the log's latest checkpoint holds an entry
// about name@version (the sequencer appends within a second; the
// deadline is for a loaded machine).
func waitLogged(t *testing.T, s *testserver.Server, name, version string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := do(t, "GET", s.URL+"-/log/lookup/"+name+"@"+version, "", nil)
		if r.Status == http.StatusOK {
			if es, _ := r.JSON(t)["entries"].([]any); len(es) > 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s@%s never appeared in the log: %d %s", name, version, r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTransparencyLogVerify: versions published with the real npm CLI
// are in the log; `rampart verify` proves a project's lockfile against
// it (and transparency-dev's own client reads the same log); and it
// catches each of the four lies of a registry, and passes again once the
// registry is honest: a tarball changed in the blob store (npm ci fails
// on integrity too), a log rewritten (split view), a version missing
// from the log, and a forged checkpoint signature.
func TestTransparencyLogVerify(t *testing.T) {
	t.Parallel()
	// One address for every restart: the lockfile's URLs stay the registry's.
	s := testserver.Start(t, testserver.Options{SMTP: true, Listen: testserver.FreeAddr(t)})
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "tl-pad", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "@alice/tl-pad", Version: "1.0.0"}, "--access", "public")
	dir := project(t)
	anon(t, s).MustRun(dir, "install", "tl-pad@1.0.0", "@alice/tl-pad@1.0.0")
	waitLogged(t, s, "tl-pad", "1.0.0")
	waitLogged(t, s, "@alice/tl-pad", "1.0.0")
	cache := t.TempDir()

	r := rampartVerify(t, s, dir, cache)
	if r.code != 0 {
		t.Fatalf("rampart verify of an honest registry: exit %d\n%s", r.code, r.out)
	}
	mustContain(t, r.out, "pinned the log key", "ok   tl-pad@1.0.0 (leaf ", "ok   @alice/tl-pad@1.0.0 (leaf ", "2 verified, 0 failed")
	readWithTessera(t, s, cache)
	js := rampartVerify(t, s, dir, cache, "--json")
	var rep struct {
		TreeSize uint64 `json:"tree_size"`
		Failed   int    `json:"failed"`
		Packages []struct {
			Name      string  `json:"name"`
			OK        bool    `json:"ok"`
			LeafIndex *uint64 `json:"leaf_index"`
		} `json:"packages"`
	}
	if err := json.Unmarshal([]byte(js.out), &rep); err != nil || js.code != 0 || rep.Failed != 0 || len(rep.Packages) != 2 || !rep.Packages[0].OK || rep.Packages[0].LeafIndex == nil {
		t.Fatalf("rampart verify --json: exit %d, %v\n%s", js.code, err, js.out)
	}

	// 1. Bytes changed in the blob store under a published version.
	lock := readLock(t, dir)
	integrity := lock.Packages["node_modules/tl-pad"].Integrity
	blob := blobPath(t, s, integrity)
	orig := read(t, blob)
	tampered := append([]byte(nil), orig...)
	tampered[len(tampered)/2] ^= 0xff
	write(t, blob, tampered)
	s = s.Restart(t) // the running server keeps the verified bytes in memory
	ci := project(t)
	write(t, filepath.Join(ci, "package.json"), read(t, filepath.Join(dir, "package.json")))
	write(t, filepath.Join(ci, "package-lock.json"), read(t, filepath.Join(dir, "package-lock.json")))
	mustFail(t, anon(t, s).Run(ci, "ci"), "tl-pad")
	r = rampartVerify(t, s, dir, cache)
	if r.code != 1 {
		t.Fatalf("a changed tarball: exit %d\n%s", r.code, r.out)
	}
	mustContain(t, r.out, "FAIL tl-pad@1.0.0", "tarball:", "1 verified, 1 failed")
	mustNotContain(t, r.out, "FAIL @alice/tl-pad")
	write(t, blob, orig)
	s = s.Restart(t)
	if r = rampartVerify(t, s, dir, cache); r.code != 0 {
		t.Fatalf("after the blob was restored: exit %d\n%s", r.code, r.out)
	}

	// 2. A log rewritten: an early event changed, the log rebuilt from it.
	// The checkpoint is signed with the right key and is as large, but it
	// does not extend the one this client saw.
	seq := eventSeq(t, s, "tl-pad", "1.0.0")
	var actor string
	s = rebuildLog(t, s, func(db *sql.DB) {
		if err := db.QueryRow(`SELECT actor FROM events WHERE seq = 1`).Scan(&actor); err != nil {
			t.Fatal(err)
		}
		execSQL(t, db, `UPDATE events SET actor = 'mallory' WHERE seq = 1`)
	})
	waitLogged(t, s, "tl-pad", "1.0.0")
	r = rampartVerify(t, s, dir, cache)
	if r.code != 1 {
		t.Fatalf("a rewritten log: exit %d\n%s", r.code, r.out)
	}
	mustContain(t, r.out, "split view", "this client saw size ")
	s = rebuildLog(t, s, func(db *sql.DB) { execSQL(t, db, `UPDATE events SET actor = ? WHERE seq = 1`, actor) })
	waitLogged(t, s, "tl-pad", "1.0.0")
	if r = rampartVerify(t, s, dir, cache); r.code != 0 {
		t.Fatalf("after the log was rebuilt honestly: exit %d\n%s", r.code, r.out)
	}

	// 3. An entry missing from the log: the registry serves tl-pad@1.0.0
	// but its log never published it (a new client, so no split view).
	s = rebuildLog(t, s, func(db *sql.DB) {
		execSQL(t, db, `UPDATE events SET version = '0.0.0-hidden' WHERE seq = ?`, seq)
	})
	waitLogged(t, s, "@alice/tl-pad", "1.0.0")
	fresh := t.TempDir()
	r = rampartVerify(t, s, dir, fresh)
	if r.code != 1 {
		t.Fatalf("a version missing from the log: exit %d\n%s", r.code, r.out)
	}
	mustContain(t, r.out, "FAIL tl-pad@1.0.0", "no entry of the log", "publishes tl-pad@1.0.0", "1 verified, 1 failed")
	s = rebuildLog(t, s, func(db *sql.DB) { execSQL(t, db, `UPDATE events SET version = '1.0.0' WHERE seq = ?`, seq) })
	waitLogged(t, s, "tl-pad", "1.0.0")
	if r = rampartVerify(t, s, dir, t.TempDir()); r.code != 0 {
		t.Fatalf("after the entry was restored: exit %d\n%s", r.code, r.out)
	}

	// 4. A forged checkpoint: the same tree, signed by another key with
	// the log's name.
	cpFile := filepath.Join(s.Data, "tlog", "log", "checkpoint")
	honest := read(t, cpFile)
	n, err := note.Open(honest, note.VerifierList(mustVerifier(t, s)))
	if err != nil {
		t.Fatal(err)
	}
	skey, _, err := note.GenerateKey(rand.Reader, strings.SplitN(n.Text, "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := note.Sign(&note.Note{Text: n.Text}, signer)
	if err != nil {
		t.Fatal(err)
	}
	write(t, cpFile, forged)
	r = rampartVerify(t, s, dir, cache)
	if r.code != 1 {
		t.Fatalf("a forged checkpoint: exit %d\n%s", r.code, r.out)
	}
	mustContain(t, r.out, "checkpoint does not verify with the log key")
	write(t, cpFile, honest)
	if r = rampartVerify(t, s, dir, cache); r.code != 0 {
		t.Fatalf("after the honest checkpoint was back: exit %d\n%s", r.code, r.out)
	}
}

// readWithTessera reads the log over HTTP with transparency-dev's
// client: the checkpoint verifies with the key `rampart verify` pinned,
// and every leaf up to it proves its inclusion from the tiles.
func readWithTessera(t *testing.T, s *testserver.Server, cache string) {
	t.Helper()
	ctx := context.Background()
	base, _ := url.Parse(s.URL + "-/log/")
	f, err := client.NewHTTPFetcher(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := mustVerifier(t, s)
	cp, _, _, err := client.FetchCheckpoint(ctx, f.ReadCheckpoint, v, v.Name())
	if err != nil {
		t.Fatal(err)
	}
	pinned, _ := os.ReadFile(filepath.Join(cache, "tlog", url.PathEscape(strings.TrimSuffix(strings.TrimPrefix(s.URL, "http://"), "/")), "keys"))
	if !strings.Contains(string(pinned), strings.TrimSpace(string(do(t, "GET", s.URL+"-/log/key", "", nil).Body))) {
		t.Errorf("rampart verify pinned %q, the log serves %q", pinned, do(t, "GET", s.URL+"-/log/key", "", nil).Body)
	}
	pb, err := client.NewProofBuilder(ctx, cp.Size, f.ReadTile)
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(0); i < cp.Size; i++ {
		b, err := client.GetEntryBundle(ctx, f.ReadEntryBundle, i/256, cp.Size)
		if err != nil {
			t.Fatal(err)
		}
		leaf := b.Entries[i%256]
		var e struct {
			Seq  int64  `json:"seq"`
			Type string `json:"type"`
		}
		if err := json.Unmarshal(leaf, &e); err != nil || e.Seq != int64(i)+1 {
			t.Fatalf("leaf %d: %s (%v)", i, leaf, err)
		}
		if strings.Contains(string(leaf), "@example.com") || strings.Contains(string(leaf), "127.0.0.1") {
			t.Errorf("leaf %d holds personal data: %s", i, leaf)
		}
		p, err := pb.InclusionProof(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, i, cp.Size, rfc6962.DefaultHasher.HashLeaf(leaf), p, cp.Hash); err != nil {
			t.Fatalf("leaf %d: %v", i, err)
		}
	}
	var _ log.Checkpoint = *cp
}

func mustVerifier(t *testing.T, s *testserver.Server) note.Verifier {
	t.Helper()
	keys := strings.Fields(string(do(t, "GET", s.URL+"-/log/key", "", nil).Body))
	if len(keys) == 0 {
		t.Fatal("GET /-/log/key lists no key")
	}
	v, err := note.NewVerifier(keys[0])
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// blobPath is where the filesystem blob store keeps the artifact of integrity.
func blobPath(t *testing.T, s *testserver.Server, integrity string) string {
	t.Helper()
	d := sha512hexOf(t, integrity)
	return filepath.Join(s.Data, "blobs", "sha512", d[:2], d[2:4], d)
}

func eventSeq(t *testing.T, s *testserver.Server, name, version string) int64 {
	t.Helper()
	es := do(t, "GET", s.URL+"-/log/lookup/"+name+"@"+version, "", nil).JSON(t)["entries"].([]any)
	for _, e := range es {
		m := e.(map[string]any)
		if m["type"] == "package.publish" {
			return int64(m["seq"].(float64))
		}
	}
	t.Fatalf("no publish event of %s@%s in %v", name, version, es)
	return 0
}

// rebuildLog stops s, changes its database with change, deletes the
// log (its keys stay) and starts it again: the new server rebuilds the
// log from the events, as a registry rewriting its history would.
func rebuildLog(t *testing.T, s *testserver.Server, change func(*sql.DB)) *testserver.Server {
	t.Helper()
	s.Stop()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.Data, "metadata.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	change(db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(s.Data, "tlog", "log")); err != nil {
		t.Fatal(err)
	}
	return s.Restart(t)
}

func execSQL(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	res, err := db.Exec(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s changed %d rows, want 1", q, n)
	}
}

// sha512hexOf is the hex of an sha512- integrity.
func sha512hexOf(t *testing.T, integrity string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(integrity, "sha512-"))
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// TestVerifyProvenanceAndLogKeyRotation: `rampart verify` verifies a
// version's provenance bundle against the trusted root it is given (and
// refuses it against one that does not trust its Sigstore), the log's
// entry binds the repository the provenance proved; after `rampart
// admin log key rotate` and a restart, a client that pinned the old key
// still verifies (the old key co-signs) and pins the new one.
func TestVerifyProvenanceAndLogKeyRotation(t *testing.T) {
	t.Parallel()
	ss, err := sigstore.New()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "trusted_root.json")
	write(t, root, ss.TrustedRoot())
	s := testserver.Start(t, testserver.Options{SMTP: true, Listen: testserver.FreeAddr(t), Config: "[provenance]\ntrusted_root = " + jsString(root) + "\n"})
	alice := signup(t, s, "alice", alicePW)
	withOfflineSigstore(t, alice, root)
	name := "@alice/prov-pad"
	pdir := writePkg(t, pkg{Name: name, Version: "1.0.0"})
	bundlePath, _ := packAndBundle(t, alice, ss, pdir, name, "1.0.0", provRepo, sigstore.Options{})
	alice.MustRun(pdir, "publish", "--access", "public", "--provenance-file", bundlePath)
	dir := project(t)
	anon(t, s).MustRun(dir, "install", name+"@1.0.0")
	waitLogged(t, s, name, "1.0.0")

	feed := do(t, "GET", s.URL+"-/log/feed?limit=1000", "", nil)
	if !strings.Contains(string(feed.Body), `"source_repository":"`+provRepo+`"`) {
		t.Errorf("the publish's leaf does not bind the repository %s: %s", provRepo, feed.Body)
	}
	if strings.Contains(string(feed.Body), `"provenance":"","sha512"`) {
		t.Errorf("the publish's leaf does not bind the provenance bundle's digest: %s", feed.Body)
	}

	cache := t.TempDir()
	r := rampartVerify(t, s, dir, cache, "--trusted-root", root)
	if r.code != 0 {
		t.Fatalf("verify with the Sigstore's root: exit %d\n%s", r.code, r.out)
	}
	mustContain(t, r.out, "ok   "+name+"@1.0.0 (leaf ", "provenance "+provRepo)
	r = rampartVerify(t, s, dir, cache)
	if r.code != 1 {
		t.Fatalf("verify against the public-good root: exit %d\n%s", r.code, r.out)
	}
	mustContain(t, r.out, "FAIL "+name+"@1.0.0", "provenance:")

	keysFile := filepath.Join(cache, "tlog", url.PathEscape(strings.TrimSuffix(strings.TrimPrefix(s.URL, "http://"), "/")), "keys")
	before := strings.Fields(string(read(t, keysFile)))
	out, err := s.Admin(t, "", "log", "key", "rotate")
	if err != nil {
		t.Fatalf("rampart admin log key rotate: %v\n%s", err, out)
	}
	mustContain(t, out, "is the new checkpoint key")
	s = s.Restart(t)
	// A new event, so that a checkpoint is signed with the new keys.
	alice.MustRun(writePkg(t, pkg{Name: "after-rotation", Version: "1.0.0"}), "publish")
	waitLogged(t, s, "after-rotation", "1.0.0")
	listed := strings.Fields(string(do(t, "GET", s.URL+"-/log/key", "", nil).Body))
	if len(listed) != 2 || listed[1] != before[0] {
		t.Fatalf("after the rotation /-/log/key lists %q, want the new key then %q", listed, before[0])
	}
	r = rampartVerify(t, s, dir, cache, "--trusted-root", root)
	if r.code != 0 {
		t.Fatalf("verify after the rotation with the old key pinned: exit %d\n%s", r.code, r.out)
	}
	if after := strings.Fields(string(read(t, keysFile))); len(after) != 2 || after[1] != listed[0] {
		t.Errorf("pinned after the rotation: %q, want the old key and %q", after, listed[0])
	}
	mustNotContain(t, r.out, "pinned the log key")
}
