package osv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func samples(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/npm/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// Every sample (real OSV npm records) is valid against the official
// schema as it came, parses, and is still valid as Rampart writes it
// back: the importer stores and serves Marshal's bytes.
func TestSamplesValidAgainstSchema(t *testing.T) {
	sc := loadSchema(t)
	for name, b := range samples(t) {
		if err := sc.validate(b); err != nil {
			t.Fatalf("%s as published: %v", name, err)
		}
		v, err := ParseBytes(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out, err := v.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := sc.validate(out); err != nil {
			t.Errorf("%s as Rampart writes it: %v\n%s", name, err, out)
		}
	}
}

// Rampart's own MAL- records are valid against the schema, down to the
// home-database prefix, and the validator does refuse what the schema
// refuses (so the test above can fail).
func TestMaliciousValidAgainstSchema(t *testing.T) {
	sc := loadSchema(t)
	now := time.Date(2026, 12, 5, 10, 0, 0, 123, time.UTC)
	for _, name := range []string{"evil-pkg", "@scope/evil"} {
		v := Malicious("MAL-2026-7", EcosystemNPM, name, []string{"1.0.1", "1.0.2"}, "", "", "https://registry.example", now)
		b, err := v.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := sc.validate(b); err != nil {
			t.Fatalf("MAL record for %s: %v\n%s", name, err, b)
		}
		if _, err := ParseBytes(b); err != nil {
			t.Fatalf("MAL record does not parse back: %v", err)
		}
		if !v.Affects("npm", name, "1.0.1") || v.Affects("npm", name, "1.0.0") {
			t.Errorf("MAL record affects the wrong versions")
		}
		if v.Rating() != SeverityCritical {
			t.Errorf("MAL rating %q, want critical", v.Rating())
		}
	}
	bad := []string{
		`{"id":"MAL-2026-1"}`,                               // no modified
		`{"id":"NOPE-1","modified":"2026-01-01T00:00:00Z"}`, // unknown home database
		`{"id":"MAL-2026-1","modified":"2026-01-01"}`,       // not a timestamp
		`{"id":"MAL-2026-1","modified":"2026-01-01T00:00:00Z","extra":1}`,
		`{"id":"MAL-2026-1","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1.0.0"}]}]}]}`,
		`{"id":"MAL-2026-1","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"},{"last_affected":"1.0.0"}]}]}]}`,
		`{"id":"MAL-2026-1","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1.0.0"}]}]}]}`,
		`{"id":"MAL-2026-1","modified":"2026-01-01T00:00:00Z","severity":[{"type":"CVSS_V3","score":"high"}]}`,
	}
	for _, b := range bad {
		if err := sc.validate([]byte(b)); err == nil {
			t.Errorf("the schema check accepted %s", b)
		}
	}
}

// Parse refuses what the schema refuses, and what readers would read
// differently.
func TestParseStrict(t *testing.T) {
	bad := map[string]string{
		"no modified":      `{"id":"GHSA-1-2-3"}`,
		"unknown field":    `{"id":"GHSA-1-2-3","modified":"2026-01-01T00:00:00Z","severityy":[]}`,
		"duplicate key":    `{"id":"GHSA-1-2-3","id":"GHSA-4-5-6","modified":"2026-01-01T00:00:00Z"}`,
		"nested duplicate": `{"id":"GHSA-1-2-3","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a","name":"b"},"versions":["1.0.0"]}]}`,
		"two values":       `{"id":"GHSA-1-2-3","modified":"2026-01-01T00:00:00Z"} {}`,
		"bad id":           `{"id":"nope","modified":"2026-01-01T00:00:00Z"}`,
		"no introduced":    `{"id":"GHSA-1-2-3","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1.0.0"}]}]}]}`,
		"fixed and last":   `{"id":"GHSA-1-2-3","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"},{"last_affected":"0.9.0"}]}]}]}`,
		"two in one event": `{"id":"GHSA-1-2-3","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1.0.0"}]}]}]}`,
		"git without repo": `{"id":"GHSA-1-2-3","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"versions":["1"],"ranges":[{"type":"GIT","events":[{"introduced":"0"}]}]}]}`,
		"no versions":      `{"id":"GHSA-1-2-3","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"}}]}`,
		"db not object":    `{"id":"GHSA-1-2-3","modified":"2026-01-01T00:00:00Z","database_specific":[1]}`,
		"too large":        `{"id":"GHSA-1-2-3","modified":"2026-01-01T00:00:00Z","details":"` + strings.Repeat("x", MaxRecordBytes) + `"}`,
	}
	for name, b := range bad {
		if _, err := Parse(strings.NewReader(b)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestAffects(t *testing.T) {
	recs := map[string]*Vuln{}
	for name, b := range samples(t) {
		v, err := ParseBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		recs[strings.TrimSuffix(name, ".json")] = v
	}
	cases := []struct {
		id, pkg, version string
		want             bool
	}{
		{"GHSA-35jh-r3h4-6jhm", "lodash", "4.17.20", true},
		{"GHSA-35jh-r3h4-6jhm", "lodash", "0.1.0", true},
		{"GHSA-35jh-r3h4-6jhm", "lodash", "4.17.21", false},
		{"GHSA-35jh-r3h4-6jhm", "lodash", "5.0.0", false},
		{"GHSA-35jh-r3h4-6jhm", "lodash-es", "4.17.20", true},
		{"GHSA-35jh-r3h4-6jhm", "underscore", "1.0.0", false},
		{"GHSA-35jh-r3h4-6jhm", "lodash", "not-a-version", false},
		// Three ranges, one per branch.
		{"GHSA-c2qf-rxjj-qqgw", "semver", "7.5.1", true},
		{"GHSA-c2qf-rxjj-qqgw", "semver", "7.5.2", false},
		{"GHSA-c2qf-rxjj-qqgw", "semver", "6.3.0", true},
		{"GHSA-c2qf-rxjj-qqgw", "semver", "6.3.1", false},
		{"GHSA-c2qf-rxjj-qqgw", "semver", "5.7.1", true},
		{"GHSA-c2qf-rxjj-qqgw", "semver", "5.7.2", false},
		// A prerelease of the fix is still before it.
		{"GHSA-c2qf-rxjj-qqgw", "semver", "7.5.2-rc.1", true},
		// last_affected includes itself.
		{"GHSA-wqch-xfxh-vrr4", "json-ptr", "3.1.0", true},
		{"GHSA-wqch-xfxh-vrr4", "json-ptr", "3.1.1", false},
		// introduced 0 with no end: every version.
		{"MAL-2022-1", "@roblox-package/noblox.js", "99.0.0", true},
	}
	for _, c := range cases {
		if got := recs[c.id].Affects("npm", c.pkg, c.version); got != c.want {
			t.Errorf("%s affects %s@%s = %v, want %v", c.id, c.pkg, c.version, got, c.want)
		}
	}
	// Withdrawal is a matter of time.
	w := recs["GHSA-wqch-xfxh-vrr4"]
	if w.IsWithdrawn(w.Withdrawn.Add(-time.Second)) || !w.IsWithdrawn(*w.Withdrawn) {
		t.Errorf("IsWithdrawn wrong around %v", w.Withdrawn)
	}
	if recs["GHSA-35jh-r3h4-6jhm"].IsWithdrawn(time.Now()) {
		t.Error("a record without withdrawn is withdrawn")
	}
}

func TestRangeEvents(t *testing.T) {
	r := func(evs ...Event) Affected { return Affected{Ranges: []Range{{Type: RangeSemver, Events: evs}}} }
	cases := []struct {
		a       Affected
		version string
		want    bool
	}{
		// Two intervals in one range.
		{r(Event{Introduced: "1.0.0"}, Event{Fixed: "1.2.0"}, Event{Introduced: "2.0.0"}, Event{Fixed: "2.1.0"}), "1.5.0", false},
		{r(Event{Introduced: "1.0.0"}, Event{Fixed: "1.2.0"}, Event{Introduced: "2.0.0"}, Event{Fixed: "2.1.0"}), "2.0.5", true},
		{r(Event{Introduced: "1.0.0"}, Event{Fixed: "1.2.0"}, Event{Introduced: "2.0.0"}, Event{Fixed: "2.1.0"}), "0.9.0", false},
		// Events out of order are sorted first.
		{r(Event{Fixed: "1.2.0"}, Event{Introduced: "1.0.0"}), "1.1.0", true},
		// A limit caps the range.
		{r(Event{Introduced: "1.0.0"}, Event{Limit: "1.5.0"}), "1.4.0", true},
		{r(Event{Introduced: "1.0.0"}, Event{Limit: "1.5.0"}), "1.5.0", false},
		// An introduced event that is no semver matches nothing.
		{r(Event{Introduced: "abc"}), "1.0.0", false},
	}
	for i, c := range cases {
		if got := c.a.Affects(c.version); got != c.want {
			t.Errorf("case %d: Affects(%s) = %v, want %v", i, c.version, got, c.want)
		}
	}
}

func TestNPMRangeAndFixed(t *testing.T) {
	a := Affected{Ranges: []Range{{Type: RangeEcosystem, Events: []Event{{Introduced: "0"}, {Fixed: "1.0.1"}, {Introduced: "2.0.0"}, {LastAffected: "2.0.3"}, {Introduced: "3.0.0"}}}}, Versions: []string{"0.0.1-x"}}
	if got, want := a.NPMRange(), "<1.0.1 || >=2.0.0 <=2.0.3 || >=3.0.0 || 0.0.1-x"; got != want {
		t.Errorf("NPMRange = %q, want %q", got, want)
	}
	b := Affected{Ranges: []Range{{Type: RangeSemver, Events: []Event{{Introduced: "1.0.0"}, {Fixed: "1.0.2"}, {Introduced: "1.1.0"}, {Fixed: "1.1.5"}}}}}
	if got := b.FirstFixed("1.0.1"); got != "1.0.2" {
		t.Errorf("FirstFixed(1.0.1) = %q", got)
	}
	if got := b.FirstFixed("1.1.0"); got != "1.1.5" {
		t.Errorf("FirstFixed(1.1.0) = %q", got)
	}
	if got := (&Affected{Ranges: []Range{{Type: RangeSemver, Events: []Event{{Introduced: "0"}}}}}).NPMRange(); got != "*" {
		t.Errorf("open range = %q, want *", got)
	}
}

func TestRatingAndCVSS(t *testing.T) {
	cases := map[string]float64{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H": 9.8,
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H": 7.5,
		"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H": 7.2,
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N": 6.1,
		"CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N": 0,
		"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H": 9.9,
	}
	for vec, want := range cases {
		if got, ok := CVSS3Score(vec); !ok || got != want {
			t.Errorf("CVSS3Score(%s) = %v %v, want %v", vec, got, ok, want)
		}
	}
	if _, ok := CVSS3Score("CVSS:3.1/AV:N"); ok {
		t.Error("a partial vector scored")
	}
	v := &Vuln{ID: "GHSA-x", Severity: []Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}}}
	if v.Rating() != SeverityModerate {
		t.Errorf("6.1 rated %q", v.Rating())
	}
	if (&Vuln{ID: "GHSA-x"}).Rating() != SeverityHigh {
		t.Error("no severity is not high")
	}
	if cw := (&Vuln{ID: "GHSA-x"}).CWEs(); cw == nil || len(cw) != 0 {
		t.Errorf("CWEs without any = %#v, want empty non-nil", cw)
	}
}

func TestPURL(t *testing.T) {
	for _, name := range []string{"left-pad", "@scope/pkg"} {
		p := PURL(EcosystemNPM, name)
		eco, n, v, err := ParsePURL(p + "@1.2.3")
		if err != nil || eco != "npm" || n != name || v != "1.2.3" {
			t.Errorf("ParsePURL(%s@1.2.3) = %s %s %s %v", p, eco, n, v, err)
		}
	}
	if _, _, _, err := ParsePURL("pkg:pypi/requests@1"); err == nil {
		t.Error("pypi accepted")
	}
	if _, n, _, err := ParsePURL("pkg:npm/@scope/pkg"); err != nil || n != "@scope/pkg" {
		t.Errorf("unencoded scope: %q %v", n, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, b := range []string{`{"id":"GHSA-1-2-3","modified":"2026-01-01T00:00:00Z"}`, `{"id":"MAL-2026-1","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"versions":["1.0.0"]}]}`} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseBytes(b)
		if err != nil {
			return
		}
		out, err := v.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseBytes(out); err != nil {
			t.Fatalf("a parsed record does not parse back: %v\n%s", err, out)
		}
		v.Affects("npm", "a", "1.0.0")
		for i := range v.Affected {
			v.Affected[i].NPMRange()
		}
	})
}
