package provrules

import (
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
)

// Continuity for proxied packages: another repository breaks it unless
// the operator exempted the name or that one version; "off" only
// verifies.
func TestProxiedContinuity(t *testing.T) {
	u := &config.Upstream{Name: "npmjs", VerifyProvenance: true, ProvenanceContinuity: "refuse", ProvenanceAllow: []string{"@moved/*", "once@2.0.0"}}
	prev := &core.UpstreamProvenance{Version: "1.0.0", State: core.UpstreamProvenanceVerified, Facts: &core.Provenance{SourceRepository: "https://github.com/a/widget"}}
	same := &core.Provenance{SourceRepository: "https://github.com/a/widget"}
	other := &core.Provenance{SourceRepository: "https://github.com/mallory/widget"}
	if why := Break(u, "widget", "1.1.0", same, prev); why != "" {
		t.Fatalf("same repository: %q", why)
	}
	why := Break(u, "widget", "1.1.0", other, prev)
	if !strings.Contains(why, "built from https://github.com/mallory/widget, but 1.0.0 was built from https://github.com/a/widget") {
		t.Fatalf("another repository: %q", why)
	}
	for _, c := range []struct{ name, version string }{{"@moved/widget", "1.1.0"}, {"once", "2.0.0"}} {
		if why := Break(u, c.name, c.version, other, prev); why != "" {
			t.Errorf("%s@%s is exempt, yet: %q", c.name, c.version, why)
		}
	}
	if why := Break(u, "once", "2.0.1", other, prev); why == "" {
		t.Errorf("once@2.0.1 is not exempt (only 2.0.0 is)")
	}
	off := *u
	off.ProvenanceContinuity = "off"
	if why := Break(&off, "widget", "1.1.0", other, prev); why != "" {
		t.Errorf("continuity off: %q", why)
	}
}

// The versions that announced provenance before a time, newest first,
// from every version of the upstream's document.
func TestProvViewEarlier(t *testing.T) {
	at := func(m int) string { return time.Date(2026, 1, 1, 0, m, 0, 0, time.UTC).Format(time.RFC3339) }
	withProv := map[string]any{"dist": map[string]any{"attestations": map[string]any{"url": "https://r/-/npm/v1/attestations/x@1", "provenance": map[string]any{"predicateType": "p"}}}}
	without := map[string]any{"dist": map[string]any{}}
	pv := New(map[string]any{"1.0.0": withProv, "1.1.0": without, "1.2.0": withProv, "2.0.0": without},
		map[string]any{"1.0.0": at(1), "1.1.0": at(2), "1.2.0": at(3), "2.0.0": at(4)}, nil)
	published, _ := time.Parse(time.RFC3339, at(4))
	got := pv.Earlier(published)
	if len(got) != 2 || got[0].Version != "1.2.0" || got[1].Version != "1.0.0" {
		t.Fatalf("earlier(2.0.0) = %+v, want 1.2.0 then 1.0.0", got)
	}
	if got := pv.Earlier(time.Time{}); len(got) != 0 {
		t.Fatalf("a version of unknown age has no earlier ones to keep: %+v", got)
	}
}
