package config

import (
	"strings"
	"testing"
)

// verify_provenance turns continuity on unless it is "off"; a typo in
// either setting is refused with what is accepted.
func TestUpstreamProvenanceSettings(t *testing.T) {
	up := func(mod func(u *Upstream)) Config {
		c := Default()
		u := Upstream{Name: "npmjs", URL: "https://registry.npmjs.org/", Packages: []string{"*"}, VerifyProvenance: true}
		mod(&u)
		c.Upstreams = []Upstream{u}
		return c
	}
	c := up(func(*Upstream) {})
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if u := c.Upstreams[0]; u.ProvenanceContinuity != "refuse" || !u.ContinuityOn() {
		t.Fatalf("default continuity = %q (on %v), want refuse", u.ProvenanceContinuity, u.ContinuityOn())
	}
	c = up(func(u *Upstream) {
		u.ProvenanceContinuity = "off"
		u.ProvenanceAllow = []string{"pkg", "@scope/*", "pkg@1.2.3", "@scope/pkg@2.0.0-rc.1"}
	})
	if err := c.Validate(); err != nil || c.Upstreams[0].ContinuityOn() {
		t.Fatalf("off with allowances: %v, on %v", err, c.Upstreams[0].ContinuityOn())
	}
	if u := (Upstream{ProvenanceContinuity: "refuse"}); u.ContinuityOn() {
		t.Fatalf("continuity is on without verify_provenance")
	}
	for want, mod := range map[string]func(u *Upstream){
		`provenance_continuity = "warn": want "refuse" (the default) or "off"`: func(u *Upstream) { u.ProvenanceContinuity = "warn" },
		`provenance_allow "[bad": want a name pattern`:                         func(u *Upstream) { u.ProvenanceAllow = []string{"[bad"} },
		`provenance_allow "": want a name pattern`:                             func(u *Upstream) { u.ProvenanceAllow = []string{""} },
	} {
		c := up(mod)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v, want an error with %q", err, want)
		}
	}
}
