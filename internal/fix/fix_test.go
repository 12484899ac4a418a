package fix

import (
	"testing"

	"github.com/Masterminds/semver/v3"
)

func TestNPMRange(t *testing.T) {
	for rng, cases := range map[string]map[string]bool{
		"^1.0.0":         {"1.0.1": true, "2.0.0": false},
		">=1.0.0 <1.0.5": {"1.0.4": true, "1.0.5": false},
		"1.x || 3.0.0":   {"1.9.0": true, "3.0.0": true, "2.0.0": false},
		"1.0.0 - 1.2.0":  {"1.1.0": true, "1.3.0": false},
		"*":              {"9.9.9": true},
		"~1.0.0":         {"1.0.9": true, "1.1.0": false},
	} {
		c, err := semver.NewConstraint(npmRange(rng))
		if err != nil {
			t.Fatalf("%s: %v", rng, err)
		}
		for v, want := range cases {
			if got := c.Check(semver.MustParse(v)); got != want {
				t.Errorf("%s allows %s: %v, want %v", rng, v, got, want)
			}
		}
	}
	if !exact("1.0.0") || exact("^1.0.0") {
		t.Error("exact")
	}
}
