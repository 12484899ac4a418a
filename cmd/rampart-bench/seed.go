package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart/rampart/internal/npmfixture"
)

// The seeding account. The password is for a throwaway registry.
const (
	benchUser     = "bench"
	benchPassword = "seeding-only-password"
	benchEmail    = "bench@example.com"
)

// seedWorkers publish different packages at once. The registry writes one
// publish at a time (one SQLite writer), so more would only queue.
const seedWorkers = 4

// seedStats describes the seeding, which goes through the real publish
// path and so doubles as a rough publish-throughput figure.
type seedStats struct {
	Publishes      int     `json:"publishes"`
	Seconds        float64 `json:"seconds"`
	PublishesPerS  float64 `json:"publishes_per_second"`
	AvgTarballSize int     `json:"avg_tarball_bytes"`
}

func packageName(i int) string   { return fmt.Sprintf("bench-%04d", i) }
func versionString(j int) string { return fmt.Sprintf("1.%d.0", j) }

func packageNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = packageName(i)
	}
	return names
}

// seed logs in as the benchmark user, creating it, and publishes every
// version of every package with PUT /<name>, as `npm publish` does.
func seed(ctx context.Context, client *http.Client, base string, o options, progress io.Writer) (*seedStats, error) {
	token, err := login(ctx, client, base)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var done, tarBytes atomic.Int64
	jobs := make(chan int)
	errc := make(chan error, seedWorkers)
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range seedWorkers {
		wg.Go(func() {
			for i := range jobs {
				for j := range o.versions {
					n, err := publish(ctx, client, base, token, o, i, j)
					if err != nil {
						errc <- fmt.Errorf("publishing %s@%s: %w", packageName(i), versionString(j), err)
						cancel()
						return
					}
					tarBytes.Add(int64(n))
					if d := done.Add(1); d%500 == 0 {
						fmt.Fprintf(progress, "rampart-bench: published %d of %d versions\n", d, o.packages*o.versions)
					}
				}
			}
		})
	}
feed:
	for i := range o.packages {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	if err := parent.Err(); err != nil {
		return nil, err
	}
	el := time.Since(start).Seconds()
	n := int(done.Load())
	return &seedStats{Publishes: n, Seconds: el, PublishesPerS: float64(n) / el, AvgTarballSize: int(tarBytes.Load()) / n}, nil
}

// login is `npm adduser`: PUT /-/user/org.couchdb.user:<name> creates the
// account and answers with a session token.
func login(ctx context.Context, client *http.Client, base string) (string, error) {
	body, err := json.Marshal(map[string]any{
		"_id": "org.couchdb.user:" + benchUser, "name": benchUser, "password": benchPassword,
		"email": benchEmail, "type": "user", "roles": []string{}, "date": time.Now().UTC().Format(time.RFC3339),
	})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, base+"-/user/org.couchdb.user:"+benchUser, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	var out struct {
		Token string `json:"token"`
	}
	if err := doJSON(client, req, http.StatusCreated, &out); err != nil {
		return "", fmt.Errorf("logging in as %s: %w", benchUser, err)
	}
	if out.Token == "" {
		return "", fmt.Errorf("logging in as %s: the answer has no token", benchUser)
	}
	return out.Token, nil
}

// publish sends version j of package i and returns the tarball's size.
func publish(ctx context.Context, client *http.Client, base, token string, o options, i, j int) (int, error) {
	// Each package depends on the next, so documents carry the usual
	// dependency maps.
	deps := map[string]string{packageName((i + 1) % o.packages): "^1.0.0"}
	return publishVersion(ctx, client, base, token, o, packageName(i), i, j, deps)
}

// publishVersion sends version j of name (the i-th package: the seed of
// its payload) and returns the tarball's size.
func publishVersion(ctx context.Context, client *http.Client, base, token string, o options, name string, i, j int, deps map[string]string) (int, error) {
	version := versionString(j)
	manifest := packageJSON(name, version, deps)
	tgz := npmfixture.Package(manifest, map[string]string{
		"README.md": fmt.Sprintf(benchReadme, name, name, name),
		"index.js":  "module.exports = { size: require('fs').statSync(__dirname + '/data.bin').size }\n",
		"data.bin":  string(payload(o.seed, i, j, o.tarballKB*1024)),
	})
	body := npmfixture.Publish{
		Manifest:    manifest,
		Tarball:     tgz,
		Readme:      fmt.Sprintf(benchReadme, name, name, name),
		TarballBase: base,
	}.Body()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, base+url.PathEscape(name), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("npm-command", "publish")
	if err := doJSON(client, req, http.StatusCreated, nil); err != nil {
		return 0, err
	}
	return len(tgz), nil
}

// doJSON sends req, checks the status and decodes the answer into out
// (when not nil). Errors carry the start of the answer.
func doJSON(client *http.Client, req *http.Request, want int, out any) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %.300s", req.Method, req.URL.Path, resp.StatusCode, want, b)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// payload is n incompressible bytes, the same for the same seed, package
// and version, so that a tarball is about as large as -tarball-kb says.
func payload(seed uint64, i, j, n int) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[0:], seed)
	binary.LittleEndian.PutUint64(key[8:], uint64(i))
	binary.LittleEndian.PutUint64(key[16:], uint64(j))
	b := make([]byte, n)
	rand.NewChaCha8(key).Read(b)
	return b
}

// packageJSON is the manifest both inside the tarball and in the publish
// document; the registry refuses a publish where the two disagree.
func packageJSON(name, version string, deps map[string]string) map[string]any {
	return map[string]any{
		"name":         name,
		"version":      version,
		"description":  "Synthetic package " + name + " for rampart-bench",
		"main":         "index.js",
		"license":      "MIT",
		"keywords":     []string{"benchmark", "rampart"},
		"author":       "rampart-bench <" + benchEmail + ">",
		"repository":   map[string]string{"type": "git", "url": "git+https://example.com/bench/" + name + ".git"},
		"scripts":      map[string]string{"test": "node index.js"},
		"dependencies": deps,
		"engines":      map[string]string{"node": ">=18"},
	}
}

// benchReadme is the README of every package: a typical few hundred bytes.
const benchReadme = "# %s\n\nA synthetic package published by rampart-bench to measure the registry's read path.\n\n" +
	"## Install\n\n```\nnpm install %s\n```\n\n## Usage\n\n```js\nconst x = require('%s')\nconsole.log(x.size)\n```\n\n" +
	"The package holds an incompressible data file so that its tarball has the size the benchmark asked for.\n"
