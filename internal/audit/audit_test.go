package audit

import (
	"context"
	"testing"

	"github.com/rampart/rampart/internal/deptree"
	osv "github.com/rampart/rampart/internal/osvclient"
)

type fixedSource []osv.Vuln

func (s fixedSource) Vulns(_ context.Context, qs []osv.Query) ([][]osv.Vuln, error) {
	out := make([][]osv.Vuln, len(qs))
	for i, q := range qs {
		for _, v := range s {
			if v.Affects(q.Ecosystem, q.Name, q.Version) {
				out[i] = append(out[i], v)
			}
		}
	}
	return out, nil
}

// notReached says every finding is not reachable.
type notReached struct{}

func (notReached) Name() string { return "test" }
func (notReached) Reach(_ context.Context, _ *deptree.Tree, fs []Finding) error {
	for i := range fs {
		fs[i].Reachability = NotReachable
	}
	return nil
}

func TestRun(t *testing.T) {
	tr, err := deptree.ParseNPM(t.TempDir(), []byte(`{"lockfileVersion":3,"packages":{
		"":{"name":"app","dependencies":{"a":"1","evil":"1"}},
		"node_modules/a":{"version":"1.0.0","dependencies":{"b":"^2"}},
		"node_modules/b":{"version":"2.0.0"},
		"node_modules/evil":{"version":"1.0.0"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	rng := func(fixed string) []osv.Range {
		ev := []osv.Event{{Introduced: "0"}}
		if fixed != "" {
			ev = append(ev, osv.Event{Fixed: fixed})
		}
		return []osv.Range{{Type: "SEMVER", Events: ev}}
	}
	src := fixedSource{
		{ID: "GHSA-b", DatabaseSpecific: map[string]any{"severity": "LOW"}, Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "b"}, Ranges: rng("2.0.1")}}},
		{ID: "MAL-1", Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "evil"}, Ranges: rng("")}}},
		{ID: "GHSA-old", Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "a"}, Ranges: rng("0.9.0")}}},
	}
	r, err := Run(context.Background(), tr, src, Options{Reacher: notReached{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 2 || r.Findings[0].ID != "MAL-1" || r.Findings[1].ID != "GHSA-b" {
		t.Fatalf("%+v", r.Findings)
	}
	mal, b := r.Findings[0], r.Findings[1]
	if mal.Severity != osv.Critical || !mal.Counts || mal.Reachability != Reachable {
		t.Errorf("malicious: %+v", mal)
	}
	if b.Counts || b.Fixed != "2.0.1" || b.Paths[0] != "a@1.0.0 > b@2.0.0" || b.Direct {
		t.Errorf("b: %+v", b)
	}
	if r.Counting() != 1 {
		t.Errorf("counting %d", r.Counting())
	}
	r, _ = Run(context.Background(), tr, src, Options{Reacher: notReached{}, All: true})
	if r.Counting() != 2 {
		t.Errorf("--all: counting %d", r.Counting())
	}
}
