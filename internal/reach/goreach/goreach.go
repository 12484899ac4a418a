// Package goreach runs govulncheck's analysis (golang.org/x/vuln/scan,
// in process) on a Go module against OSV records written as a Go
// vulnerability database in a local folder (a file:// database, read
// offline), and reports for each record the deepest level the module
// reaches: the module required, a vulnerable package imported, or a
// vulnerable function called.
package goreach

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/vuln/scan"

	osv "github.com/rampart/rampart/internal/osvclient"
)

// Levels, least to most reached.
const (
	Required = "module required" // in the build list, no vulnerable package imported
	Imported = "package imported"
	Called   = "symbol called"
)

// Result is what govulncheck found for one record.
type Result struct {
	Level string
	// Trace is the call path for Called: "main.run > x.Parse".
	Trace string
}

// WriteDB writes records as a Go vulnerability database (v1 layout:
// index/db.json, index/modules.json, index/vulns.json, ID/<id>.json) in
// dir. Versions lose their "v" prefix, as the database spells them.
func WriteDB(dir string, records []osv.Vuln, now time.Time) error {
	if err := os.MkdirAll(filepath.Join(dir, "ID"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "index"), 0o755); err != nil {
		return err
	}
	type modVuln struct {
		ID       string `json:"id"`
		Modified string `json:"modified"`
		Fixed    string `json:"fixed,omitempty"`
	}
	mods := map[string][]modVuln{}
	type vulnIdx struct {
		ID       string   `json:"id"`
		Modified string   `json:"modified"`
		Aliases  []string `json:"aliases,omitempty"`
	}
	var vulns []vulnIdx
	latest := now.UTC().Format(time.RFC3339)
	for _, r := range records {
		r := normalise(r, latest)
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "ID", r.ID+".json"), b, 0o644); err != nil {
			return err
		}
		vulns = append(vulns, vulnIdx{r.ID, r.Modified, r.Aliases})
		for _, a := range r.Affected {
			if a.Package.Ecosystem != "Go" {
				continue
			}
			fixed := ""
			for _, rg := range a.Ranges {
				for _, e := range rg.Events {
					if e.Fixed != "" && (fixed == "" || osv.Compare(e.Fixed, fixed) > 0) {
						fixed = e.Fixed
					}
				}
			}
			mods[a.Package.Name] = append(mods[a.Package.Name], modVuln{r.ID, r.Modified, fixed})
		}
	}
	type modIdx struct {
		Path  string    `json:"path"`
		Vulns []modVuln `json:"vulns"`
	}
	var idx []modIdx
	for p, v := range mods {
		idx = append(idx, modIdx{p, v})
	}
	sort.Slice(idx, func(i, j int) bool { return idx[i].Path < idx[j].Path })
	for name, v := range map[string]any{"db.json": map[string]string{"modified": latest}, "modules.json": idx, "vulns.json": vulns} {
		b, _ := json.Marshal(v)
		if err := os.WriteFile(filepath.Join(dir, "index", name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// normalise makes a record as the Go database has it: versions without
// "v", SEMVER ranges, a modified time.
func normalise(r osv.Vuln, now string) osv.Vuln {
	if r.Modified == "" {
		r.Modified = now
	}
	if r.SchemaVersion == "" {
		r.SchemaVersion = "1.3.1"
	}
	aff := make([]osv.Affected, len(r.Affected))
	for i, a := range r.Affected {
		rs := make([]osv.Range, len(a.Ranges))
		for j, rg := range a.Ranges {
			rg.Type = "SEMVER"
			evs := make([]osv.Event, len(rg.Events))
			for k, e := range rg.Events {
				e.Introduced = strings.TrimPrefix(e.Introduced, "v")
				e.Fixed = strings.TrimPrefix(e.Fixed, "v")
				e.LastAffected = strings.TrimPrefix(e.LastAffected, "v")
				evs[k] = e
			}
			rg.Events = evs
			rs[j] = rg
		}
		a.Ranges = rs
		aff[i] = a
	}
	r.Affected = aff
	return r
}

// Scan runs govulncheck on every package of the module in dir against
// the database in dbDir. The go command it runs reads the module cache
// and the environment's GOPROXY/GOFLAGS as the project's own build does.
func Scan(ctx context.Context, dir, dbDir string) (map[string]Result, error) {
	abs, err := filepath.Abs(dbDir)
	if err != nil {
		return nil, err
	}
	cmd := scan.Command(ctx, "-C", dir, "-db", "file://"+filepath.ToSlash(abs), "-format", "json", "-scan", "symbol", "./...")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if err := cmd.Wait(); err != nil {
		var ec interface{ ExitCode() int }
		if !errors.As(err, &ec) || ec.ExitCode() != 3 {
			return nil, fmt.Errorf("govulncheck: %w: %s", err, strings.TrimSpace(errb.String()))
		}
	}
	return parse(&out)
}

type frame struct {
	Module   string `json:"module"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
}

// parse reads govulncheck's JSON stream: per finding, the deepest level
// its trace shows.
func parse(r io.Reader) (map[string]Result, error) {
	dec := json.NewDecoder(r)
	out := map[string]Result{}
	rank := map[string]int{Required: 1, Imported: 2, Called: 3}
	for {
		var msg struct {
			Finding *struct {
				OSV   string  `json:"osv"`
				Trace []frame `json:"trace"`
			} `json:"finding"`
		}
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("govulncheck's output: %w", err)
		}
		f := msg.Finding
		if f == nil || len(f.Trace) == 0 {
			continue
		}
		res := Result{Level: Required}
		switch {
		case f.Trace[0].Function != "":
			res.Level = Called
			var parts []string
			for i := len(f.Trace) - 1; i >= 0; i-- {
				fr := f.Trace[i]
				name := fr.Function
				if fr.Receiver != "" {
					name = strings.TrimPrefix(fr.Receiver, "*") + "." + name
				}
				parts = append(parts, fr.Package+"."+name)
			}
			res.Trace = strings.Join(parts, " > ")
		case f.Trace[0].Package != "":
			res.Level = Imported
		}
		if rank[res.Level] > rank[out[f.OSV].Level] {
			out[f.OSV] = res
		}
	}
}
