package osvclient

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzRecord: any bytes as an OSV record (from a registry or an export
// folder) are read or refused, never a panic, and matching, fixed
// versions and severity work on whatever was read.
func FuzzRecord(f *testing.F) {
	f.Add([]byte(`{"id":"GHSA-x","affected":[{"package":{"ecosystem":"npm","name":"p"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}],"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}]}`), "1.0.0")
	f.Add([]byte(`{"id":"MAL-1","affected":[{"package":{"ecosystem":"npm","name":"p"},"versions":["v1"],"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"x"},{"last_affected":"9"}]}]}]}`), "v1")
	f.Fuzz(func(t *testing.T, b []byte, version string) {
		d := &Dir{byPkg: map[string][]Vuln{}}
		if err := d.add("fuzz.json", bytes.NewReader(b)); err != nil {
			return
		}
		var v Vuln
		json.Unmarshal(b, &v)
		for _, a := range v.Affected {
			v.Affects(a.Package.Ecosystem, a.Package.Name, version)
			v.Fixed(a.Package.Ecosystem, a.Package.Name, version)
		}
		v.Level()
		for _, s := range v.Severity {
			CVSS3(s.Score)
		}
	})
}
