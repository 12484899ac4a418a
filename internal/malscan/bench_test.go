package malscan

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkScanTypicalPackage is the scan a publish adds: unpacking and
// hashing a typical package (40 JavaScript files, 320 KiB unpacked,
// a package.json with scripts) and running the built-in rules.
func BenchmarkScanTypicalPackage(b *testing.B) {
	files := map[string]string{"package.json": `{"name":"typical","version":"1.0.0","scripts":{"test":"node test.js","postinstall":"node setup.js"}}`}
	line := "export function f(a, b) { return require('path').join(a, b) + JSON.stringify({ a, b }) } // some ordinary code\n"
	for i := range 40 {
		files[fmt.Sprintf("lib/mod%02d.js", i)] = strings.Repeat(line, 8<<10/len(line))
	}
	t := &testing.T{}
	tgzBytes := tgz(t, files)
	s := New()
	b.SetBytes(int64(len(tgzBytes)))
	b.ResetTimer()
	for b.Loop() {
		in, err := ReadTarGz(bytes.NewReader(tgzBytes), 64<<20)
		if err != nil {
			b.Fatal(err)
		}
		if fs := s.Scan(in); len(fs) != 0 {
			b.Fatalf("findings in a clean package: %+v", fs)
		}
	}
}
