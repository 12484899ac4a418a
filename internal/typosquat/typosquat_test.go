package typosquat

import (
	"fmt"
	"testing"
)

var snapshot = New(Snapshot())

// The list, and homoglyph, separator, affix and scope variants,
// each refused as imitating the popular name given.
func TestImitationsMatch(t *testing.T) {
	for _, tc := range []struct{ name, popular, why string }{
		{"expres", "express", WhyTypo},
		{"expresss", "express", WhyTypo},
		{"lodahs", "lodash", WhyTypo},
		{"lodas", "lodash", WhyTypo},
		{"l0dash", "lodash", WhySame},
		{"1odash", "lodash", WhySame},
		{"lo-dash", "lodash", WhySame},
		{"lo_dash", "lodash", WhySame},
		{"lo..dash", "lodash", WhySame},
		{"reactjs-dom", "react-dom", WhyAffix},
		{"react_dom", "react-dom", WhySame},
		{"react.dom", "react-dom", WhySame},
		{"reactdom", "react-dom", WhySame},
		{"express-js", "express", WhyAffix},
		{"express.js", "express", WhyAffix},
		{"node-express", "express", WhyAffix},
		{"chalk-node", "chalk", WhyAffix},
		{"cornmander", "commander", WhySame},
		{"vvebpack", "webpack", WhySame},
		{"types-node", "@types/node", WhyScope},
		{"reqeust", "request", WhyTypo},
		{"@evil/lodahs", "lodash", WhyTypo},
		{"@evil/l0dash", "lodash", WhySame},
		{"typescirpt", "typescript", WhyTypo},
		{"mongose", "mongoose", WhyTypo},
		{"webpack-dev-sever", "webpack-dev-server", WhyTypo},
		{"crossenv", "cross-env", WhySame},
	} {
		m, ok := snapshot.Match(tc.name)
		if tc.popular == "" {
			if ok {
				t.Errorf("%s: matched %s (%s), want no match", tc.name, m.Popular, m.Why)
			}
			continue
		}
		if !ok || m.Popular != tc.popular || m.Why != tc.why {
			t.Errorf("%s: got %+v (matched %v), want %s: %s", tc.name, m, ok, tc.popular, tc.why)
		}
	}
}

// The registry's own popular names join the snapshot: requests.
func TestLocalNames(t *testing.T) {
	x := New(append(Snapshot(), "requests"))
	if m, ok := x.Match("reqeusts"); !ok || m.Popular != "requests" || m.Why != WhyTypo {
		t.Errorf("reqeusts: got %+v, %v", m, ok)
	}
}

// Scope confusion with a registry's own names: @acme/x and acme-x.
func TestScopeConfusion(t *testing.T) {
	x := New([]string{"acme-widgets", "@acme/gadgets"})
	for name, want := range map[string]string{"@acme/widgets": "acme-widgets", "acme-gadgets": "@acme/gadgets", "acmegadgets": "@acme/gadgets"} {
		if m, ok := x.Match(name); !ok || m.Popular != want || m.Why != WhyScope {
			t.Errorf("%s: got %+v, %v; want %s", name, m, ok, want)
		}
	}
	// The scope's own names are its owner's: no claim among them.
	if m, ok := x.Match("@acme/gadget"); ok {
		t.Errorf("@acme/gadget matched %+v", m)
	}
}

// Popular names themselves and ordinary new names are accepted.
func TestOrdinaryNamesPass(t *testing.T) {
	names := []string{"lodash", "express", "react-dom", "@types/node", "left-pad-ng", "my-lib", "@acme/lodash", "@mycorp/express",
		"tiny-base", "late", "file", "days", "robot", "query", "token", "count", "digest", "greeter", "big-blob", "right-pad"}
	names = append(names, realistic()...)
	for _, n := range names {
		if m, ok := snapshot.Match(n); ok {
			t.Errorf("%s: matched %s (%s)", n, m.Popular, m.Why)
		}
	}
	if len(names) < 300 {
		t.Fatalf("only %d names tried", len(names))
	}
}

// realistic is a few hundred names of the kind a company's registry
// holds: a prefix, a domain word and a role, none imitating anything.
func realistic() []string {
	prefixes := []string{"acme", "northwind", "contoso", "initech", "globex", "umbrella", "hooli", "vandelay", "@acme", "@northwind"}
	domains := []string{"billing", "invoice", "ledger", "payroll", "inventory", "shipping", "catalog", "checkout", "customer", "onboarding", "audit", "reporting", "scheduler", "warehouse", "pricing"}
	roles := []string{"client", "service", "sdk", "ui-kit", "schemas", "worker", "cli", "adapter", "fixtures", "helpers"}
	var out []string
	for i, p := range prefixes {
		for j, d := range domains {
			r := roles[(i+j)%len(roles)]
			if p[0] == '@' {
				out = append(out, fmt.Sprintf("%s/%s-%s", p, d, r))
			} else {
				out = append(out, fmt.Sprintf("%s-%s-%s", p, d, r))
			}
			out = append(out, fmt.Sprintf("%s-%s", d, roles[(i*3+j)%len(roles)]+"-internal"))
		}
	}
	return out
}

// Few of the popular names would be refused as imitations of another
// popular name: the thresholds are not so loose that real, distinct
// packages collide (those that do are mostly families such as
// lodash.get/lodash.set, where a new sibling deserves a look anyway).
func TestPopularNamesRarelyCollide(t *testing.T) {
	names := Snapshot()
	hits := 0
	var ex []string
	for _, n := range names {
		if m, ok := snapshot.match(n); ok {
			hits++
			if len(ex) < 40 {
				ex = append(ex, n+"~"+m.Popular)
			}
		}
	}
	t.Logf("%d of %d popular names match another one, e.g. %v", hits, len(names), ex)
	if hits*100 > len(names)*15 {
		t.Errorf("%d of %d popular names match another one", hits, len(names))
	}
}

func TestOSA(t *testing.T) {
	var rows [3][]int
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"lodahs", "lodash", 1}, {"expres", "express", 1}, {"abc", "abc", 0}, {"ca", "abc", 3}, {"kitten", "sitting", 3}} {
		if got := osa(tc.a, tc.b, 5, &rows); got != tc.d {
			t.Errorf("osa(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.d)
		}
	}
}

// BenchmarkMatch is one publish's check against the ~10,000 names of
// the snapshot: it must cost well under a millisecond.
func BenchmarkMatch(b *testing.B) {
	names := append([]string{"reqeusts", "left-pad-ng", "@acme/billing-client", "webpack-dev-sever", "my-lib"}, realistic()...)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		snapshot.Match(names[i%len(names)])
	}
}
