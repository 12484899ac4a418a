package jsreach

import "testing"

// FuzzUsedNames: any source and specifier are read without a panic.
func FuzzUsedNames(f *testing.F) {
	f.Add("import { a } from 'lib'\nconst x = require('lib'); x.b()", "lib")
	f.Add("import * as ns from \"@s/p/sub\"; ns['q']", "@s/p/sub")
	f.Add("const {...rest} = require('lib')", "lib")
	f.Fuzz(func(t *testing.T, src, spec string) {
		UsedNames(src, spec)
		PackageOf(spec)
	})
}
