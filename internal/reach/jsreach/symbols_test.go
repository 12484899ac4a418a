package jsreach

import (
	"reflect"
	"sort"
	"testing"
)

func TestUsedNames(t *testing.T) {
	for _, c := range []struct {
		src  string
		want []string
		all  bool
	}{
		{`import { parse, format as f } from 'lib'`, []string{"format", "parse"}, false},
		{`import * as L from "lib"; L.stringify(x); L['parse'](y)`, []string{"parse", "stringify"}, false},
		{`import L from 'lib'; L.safe()`, []string{"default", "safe"}, false},
		{`const { safe, other: o } = require('lib')`, []string{"other", "safe"}, false},
		{"const lib = require('lib');\nlib.safe(1)\nlib.other()", []string{"other", "safe"}, false},
		{"const lib = require('lib');\nrun(lib)", nil, true},
		{`module.exports = require('lib')`, nil, true},
		{`require('lib').safe()`, []string{"safe"}, false},
		{`export * from 'lib'`, nil, true},
		{`export { parse } from 'lib'`, []string{"parse"}, false},
		{`import 'lib'`, nil, false},
	} {
		names, all := UsedNames(c.src, "lib")
		var got []string
		for n := range names {
			got = append(got, n)
		}
		sort.Strings(got)
		if all != c.all || (!c.all && !reflect.DeepEqual(got, c.want)) {
			t.Errorf("%q: names %v all %v, want %v all %v", c.src, got, all, c.want, c.all)
		}
	}
}

func TestPackageOf(t *testing.T) {
	for f, want := range map[string]string{
		"src/index.js":                          "",
		"node_modules/a/index.js":               "node_modules/a",
		"node_modules/a/node_modules/@s/b/x.js": "node_modules/a/node_modules/@s/b",
		"node_modules/@s/b/lib/y.js":            "node_modules/@s/b",
	} {
		if got := PackageOf(f); got != want {
			t.Errorf("%s: %q, want %q", f, got, want)
		}
	}
}
