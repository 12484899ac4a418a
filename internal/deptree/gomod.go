package deptree

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// goModule is what `go list -m -json` prints for one module.
type goModule struct {
	Path     string
	Version  string
	Main     bool
	Indirect bool
	Replace  *goModule
}

// ReadGo reads the build list of the Go module in dir with the project's
// own `go` command (`go list -m -json all`, `go mod graph`), and each
// module's hash from go.sum. The go command may download modules from
// the configured GOPROXY; with GOFLAGS=-mod=mod and GOPROXY=off it works
// from the module cache only.
func ReadGo(ctx context.Context, dir string) (*Tree, error) {
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return nil, fmt.Errorf("%s has no go.mod: %w", dir, err)
	}
	out, err := goCmd(ctx, dir, "list", "-m", "-json", "all")
	if err != nil {
		return nil, err
	}
	var root *Package
	var pkgs []*Package
	selected := map[string]string{} // path -> version
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m goModule
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list -m -json all: %w", err)
		}
		if m.Main {
			root = &Package{ID: "", Ecosystem: Go, Name: m.Path}
			selected[m.Path] = ""
			continue
		}
		p := &Package{ID: m.Path, Ecosystem: Go, Name: m.Path, Version: m.Version}
		if m.Replace != nil && m.Replace.Version != "" {
			p.Version = m.Replace.Version
		}
		selected[m.Path] = m.Version
		pkgs = append(pkgs, p)
	}
	if root == nil {
		return nil, fmt.Errorf("go list -m all in %s named no main module", dir)
	}
	graph, err := goCmd(ctx, dir, "mod", "graph")
	if err != nil {
		return nil, err
	}
	// Keep the edges between selected versions only: the graph lists
	// every requirement, MVS picks one version per path.
	deps := map[string]map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(graph))
	for sc.Scan() {
		from, to, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		fp, fv, _ := strings.Cut(from, "@")
		tp, tv, _ := strings.Cut(to, "@")
		if v, ok := selected[fp]; !ok || v != fv {
			continue
		}
		if v, ok := selected[tp]; !ok || v != tv || tp == root.Name {
			continue
		}
		if deps[fp] == nil {
			deps[fp] = map[string]bool{}
		}
		deps[fp][tp] = true
	}
	sums := readGoSum(filepath.Join(dir, "go.sum"))
	for _, p := range pkgs {
		p.Deps = sortedKeys(deps[p.Name])
		p.GoSum = sums[p.Name+" "+p.Version]
	}
	root.Deps = sortedKeys(deps[root.Name])
	return newTree(Go, dir, root, pkgs), nil
}

func goCmd(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s in %s: %w: %s", strings.Join(args, " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// readGoSum maps "path version" to its h1: hash (of the module zip, not
// the /go.mod line).
func readGoSum(file string) map[string]string {
	out := map[string]string{}
	b, err := os.ReadFile(file)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || strings.HasSuffix(f[1], "/go.mod") {
			continue
		}
		out[f[0]+" "+f[1]] = f[2]
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
