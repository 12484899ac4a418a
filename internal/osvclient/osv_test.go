package osvclient

import (
	"testing"
)

func TestAffectsAndFixed(t *testing.T) {
	v := Vuln{ID: "GHSA-x", Affected: []Affected{{
		Package: Package{Ecosystem: "npm", Name: "p"},
		Ranges: []Range{{Type: "SEMVER", Events: []Event{
			{Introduced: "0"}, {Fixed: "1.2.0"}, {Introduced: "2.0.0"}, {Fixed: "2.0.3"}, {Introduced: "3.0.0"}, {LastAffected: "3.1.0"},
		}}},
		Versions: []string{"9.9.9"},
	}}}
	for ver, want := range map[string]bool{
		"1.0.0": true, "1.1.9": true, "1.2.0": false, "1.9.0": false, "2.0.0": true, "2.0.2": true,
		"2.0.3": false, "3.0.0": true, "3.1.0": true, "3.1.1": false, "9.9.9": true,
	} {
		if got := v.Affects("npm", "p", ver); got != want {
			t.Errorf("%s: affected %v, want %v", ver, got, want)
		}
	}
	if v.Affects("npm", "q", "1.0.0") || v.Affects("Go", "p", "1.0.0") {
		t.Error("another package matched")
	}
	if f := v.Fixed("npm", "p", "1.0.0"); f != "1.2.0" {
		t.Errorf("fixed %q", f)
	}
	if f := v.Fixed("npm", "p", "2.0.1"); f != "2.0.3" {
		t.Errorf("fixed %q", f)
	}
	if f := v.Fixed("npm", "p", "3.0.0"); f != "" {
		t.Errorf("fixed %q", f)
	}
}

func TestLevel(t *testing.T) {
	for _, c := range []struct {
		v    Vuln
		want string
	}{
		{Vuln{ID: "MAL-2026-1"}, Critical},
		{Vuln{ID: "X", DatabaseSpecific: map[string]any{"severity": "MODERATE"}}, Moderate},
		{Vuln{ID: "X", Severity: []Severity{{"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}}, Critical},
		{Vuln{ID: "X", Severity: []Severity{{"CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"}}}, Low},
		{Vuln{ID: "X"}, Unknown},
	} {
		if got, _ := c.v.Level(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.v, got, c.want)
		}
	}
	for vec, want := range map[string]float64{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H": 9.8,
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N": 6.1,
		"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N": 5.5,
	} {
		if got, ok := CVSS3(vec); !ok || got != want {
			t.Errorf("%s: %v, want %v", vec, got, want)
		}
	}
}
