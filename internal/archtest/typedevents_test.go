package archtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// eventLiteral is a core.Event built by hand: the untyped path, where a
// call site chose the data's keys itself.
var eventLiteral = regexp.MustCompile(`&core\.Event\{|core\.Event\{At:`)

// TestEventsAreTyped: outside internal/event (which builds them from the
// typed payloads) and the store (which reads them back, and whose
// conformance suite writes raw rows on purpose), no non-test code builds
// a core.Event by hand. A service appends event.X{...}.At(...), so every
// event has a schema number and its personal data in the personal part.
func TestEventsAreTyped(t *testing.T) {
	root := moduleRoot(t)
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "internal/event" || rel == "internal/store" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if eventLiteral.MatchString(line) {
				t.Errorf("%s:%d builds a core.Event by hand; append a typed payload of internal/event (event.X{...}.At(...))", rel, i+1)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// moduleRoot is the folder of go.mod, two levels above this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(filepath.Dir(wd))
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	return root
}

// goStatement is a line that starts a goroutine.
var goStatement = regexp.MustCompile(`^\s*go\s+(func\b|[\w.]+\()`)

// TestNoGoroutinesInDomainPackages: a domain package starts no goroutine
// of its own; background work goes to an internal/background Group,
// which bounds it, recovers its panics and lets shutdown wait for it.
func TestNoGoroutinesInDomainPackages(t *testing.T) {
	root := moduleRoot(t)
	checked := 0
	for _, dir := range domain {
		if dir == "internal/background" {
			continue
		}
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			for i, line := range strings.Split(string(b), "\n") {
				if goStatement.MatchString(line) {
					t.Errorf("%s/%s:%d starts a goroutine; give the work to an internal/background Group", dir, filepath.Base(path), i+1)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no domain package file was read")
	}
}
