package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
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
	name, version := packageName(i), versionString(j)
	// Each package depends on the next, so documents carry the usual
	// dependency maps.
	deps := map[string]string{packageName((i + 1) % o.packages): "^1.0.0"}
	tgz, err := makeTgz(name, version, deps, payload(o.seed, i, j, o.tarballKB*1024))
	if err != nil {
		return 0, err
	}
	body, err := publishDocument(name, version, deps, tgz, base)
	if err != nil {
		return 0, err
	}
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

// makeTgz builds the tarball `npm pack` would: a gzip'd tar whose entries
// live under package/, with npm's fixed modification time.
func makeTgz(name, version string, deps map[string]string, data []byte) ([]byte, error) {
	pj, err := json.MarshalIndent(packageJSON(name, version, deps), "", "  ")
	if err != nil {
		return nil, err
	}
	files := []struct {
		name string
		body []byte
	}{
		{"package/package.json", pj},
		{"package/README.md", fmt.Appendf(nil, benchReadme, name, name, name)},
		{"package/index.js", []byte("module.exports = { size: require('fs').statSync(__dirname + '/data.bin').size }\n")},
		{"package/data.bin", data},
	}
	npmEpoch := time.Date(1985, 10, 26, 8, 15, 0, 0, time.UTC)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg, ModTime: npmEpoch}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// publishDocument is the body of `npm publish`: the version's manifest
// with its dist hashes, one dist-tag, and the tarball as a base64
// attachment.
func publishDocument(name, version string, deps map[string]string, tgz []byte, base string) ([]byte, error) {
	sum512 := sha512.Sum512(tgz)
	sum1 := sha1.Sum(tgz)
	filename := name + "-" + version + ".tgz"
	manifest := packageJSON(name, version, deps)
	manifest["_id"] = name + "@" + version
	manifest["readme"] = fmt.Sprintf(benchReadme, name, name, name)
	manifest["dist"] = map[string]any{
		"integrity": "sha512-" + base64.StdEncoding.EncodeToString(sum512[:]),
		"shasum":    hex.EncodeToString(sum1[:]),
		"tarball":   base + name + "/-/" + filename,
	}
	return json.Marshal(map[string]any{
		"_id":         name,
		"name":        name,
		"description": manifest["description"],
		"dist-tags":   map[string]string{"latest": version},
		"versions":    map[string]any{version: manifest},
		"access":      nil,
		"_attachments": map[string]any{
			filename: map[string]any{
				"content_type": "application/octet-stream",
				"data":         base64.StdEncoding.EncodeToString(tgz),
				"length":       len(tgz),
			},
		},
	})
}
