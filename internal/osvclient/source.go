package osvclient

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/rampart/rampart/internal/limits"
)

// Query asks for the records that affect one version of a package.
type Query struct {
	Ecosystem, Name, Version string
}

// Source gives the records affecting each query.
type Source interface {
	// Vulns returns, for each query in order, the records that affect
	// that version.
	Vulns(ctx context.Context, qs []Query) ([][]Vuln, error)
}

// API is an OSV API shaped like api.osv.dev's v1: POST {Base}v1/querybatch
// finds which queries have records (ids only), then POST {Base}v1/query
// fetches the full records of each query that has some. A Rampart
// registry serves it under <registry>/-/osv/.
type API struct {
	Base   *url.URL // ending in "/"
	Token  string
	Client *http.Client
}

type apiQuery struct {
	Package   Package `json:"package"`
	Version   string  `json:"version"`
	PageToken string  `json:"page_token,omitempty"`
}

// Vulns implements Source.
func (a *API) Vulns(ctx context.Context, qs []Query) ([][]Vuln, error) {
	out := make([][]Vuln, len(qs))
	for start := 0; start < len(qs); start += limits.MaxOSVBatch {
		end := min(start+limits.MaxOSVBatch, len(qs))
		body := struct {
			Queries []apiQuery `json:"queries"`
		}{}
		for _, q := range qs[start:end] {
			body.Queries = append(body.Queries, apiQuery{Package: Package{Ecosystem: q.Ecosystem, Name: q.Name}, Version: q.Version})
		}
		var resp struct {
			Results []struct {
				Vulns []struct {
					ID string `json:"id"`
				} `json:"vulns"`
				NextPageToken string `json:"next_page_token"`
			} `json:"results"`
		}
		if err := a.post(ctx, "v1/querybatch", body, &resp); err != nil {
			return nil, err
		}
		if len(resp.Results) != end-start {
			return nil, fmt.Errorf("the OSV API at %s answered %d results to %d queries", a.Base, len(resp.Results), end-start)
		}
		for i, r := range resp.Results {
			if len(r.Vulns) == 0 && r.NextPageToken == "" {
				continue
			}
			vs, err := a.query(ctx, qs[start+i])
			if err != nil {
				return nil, err
			}
			out[start+i] = vs
		}
	}
	return out, nil
}

// query fetches every record for one query, following pages.
func (a *API) query(ctx context.Context, q Query) ([]Vuln, error) {
	var all []Vuln
	token := ""
	for page := 0; ; page++ {
		if page >= limits.MaxOSVPages {
			return nil, fmt.Errorf("the OSV API at %s answered too many pages for %s@%s", a.Base, q.Name, q.Version)
		}
		var resp struct {
			Vulns         []Vuln `json:"vulns"`
			NextPageToken string `json:"next_page_token"`
		}
		if err := a.post(ctx, "v1/query", apiQuery{Package: Package{Ecosystem: q.Ecosystem, Name: q.Name}, Version: q.Version, PageToken: token}, &resp); err != nil {
			return nil, err
		}
		// Keep only what affects the version, whatever the server's
		// matching: the client shows and fixes on its own reading.
		for _, v := range resp.Vulns {
			if v.Affects(q.Ecosystem, q.Name, q.Version) {
				all = append(all, v)
			}
		}
		if resp.NextPageToken == "" {
			return all, nil
		}
		token = resp.NextPageToken
	}
}

func (a *API) post(ctx context.Context, path string, body, into any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	u := a.Base.ResolveReference(&url.URL{Path: path})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if a.Token != "" {
		req.Header.Set("Authorization", "Bearer "+a.Token)
	}
	client := a.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the OSV API at %s: %w (work offline with --osv-dir FOLDER)", u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limits.MaxOSVResponseBytes+1))
	if err != nil {
		return fmt.Errorf("reading %s: %w", u, err)
	}
	if len(data) > limits.MaxOSVResponseBytes {
		return fmt.Errorf("the OSV answer from %s is over %d MiB", u, limits.MaxOSVResponseBytes/limits.MiB)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		json.Unmarshal(data, &e)
		msg := e.Error + e.Message
		if resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%s answered 404: this registry serves no OSV API; give one with --osv-url or work offline with --osv-dir FOLDER", u)
		}
		return fmt.Errorf("the OSV API at %s answered %s %s", u, resp.Status, msg)
	}
	if err := json.Unmarshal(data, into); err != nil {
		return fmt.Errorf("the OSV API at %s answered something that is not OSV JSON: %w", u, err)
	}
	return nil
}

// Dir is an offline OSV export: a folder (searched recursively) of OSV
// JSON files (<ID>.json), or of zips of them (the per-ecosystem layout
// OSV publishes: <Ecosystem>/all.zip).
type Dir struct {
	byPkg map[string][]Vuln // ecosystem lower-cased + "\x00" + name
	Count int
}

// LoadDir reads every record in folder.
func LoadDir(folder string) (*Dir, error) {
	d := &Dir{byPkg: map[string][]Vuln{}}
	st, err := os.Stat(folder)
	if err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--osv-dir %s is not a folder of OSV JSON files or zips", folder)
	}
	err = filepath.WalkDir(folder, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case e.IsDir():
			return nil
		case strings.HasSuffix(path, ".json"):
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			return d.add(path, f)
		case strings.HasSuffix(path, ".zip"):
			z, err := zip.OpenReader(path)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			defer z.Close()
			for _, zf := range z.File {
				if !strings.HasSuffix(zf.Name, ".json") {
					continue
				}
				r, err := zf.Open()
				if err != nil {
					return fmt.Errorf("%s!%s: %w", path, zf.Name, err)
				}
				err = d.add(path+"!"+zf.Name, r)
				r.Close()
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Dir) add(name string, r io.Reader) error {
	b, err := io.ReadAll(io.LimitReader(r, limits.MaxOSVRecordBytes+1))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > limits.MaxOSVRecordBytes {
		return fmt.Errorf("%s is over %d MiB: not an OSV record", name, limits.MaxOSVRecordBytes/limits.MiB)
	}
	var v Vuln
	if err := json.Unmarshal(b, &v); err != nil || v.ID == "" {
		return fmt.Errorf("%s is not an OSV record (%v)", name, err)
	}
	seen := map[string]bool{}
	for _, a := range v.Affected {
		k := strings.ToLower(a.Package.Ecosystem) + "\x00" + a.Package.Name
		if !seen[k] {
			seen[k] = true
			d.byPkg[k] = append(d.byPkg[k], v)
		}
	}
	d.Count++
	return nil
}

// Vulns implements Source.
func (d *Dir) Vulns(_ context.Context, qs []Query) ([][]Vuln, error) {
	out := make([][]Vuln, len(qs))
	for i, q := range qs {
		for _, v := range d.byPkg[strings.ToLower(q.Ecosystem)+"\x00"+q.Name] {
			if v.Affects(q.Ecosystem, q.Name, q.Version) {
				out[i] = append(out[i], v)
			}
		}
	}
	return out, nil
}
