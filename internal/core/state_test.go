package core_test

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// TestServable is the rule for what is served, over every state and
// every viewer: anonymous and a read token of someone who is not a
// maintainer are both ViewerAnyone (a restricted package's readers are
// decided by authz before); a maintainer with any credential is
// ViewerMaintainer.
func TestServable(t *testing.T) {
	at := time.Unix(1700000000, 0)
	versions := map[core.VersionState]core.Version{
		core.StatePending:     {Held: core.StatePending},
		core.StateQuarantined: {Held: core.StateQuarantined},
		core.StateLive:        {},
		core.StateDeprecated:  {Deprecated: "use 2"},
		core.StateUnpublished: {UnpublishedAt: at, Deprecated: "use 2", Held: core.StatePending},
	}
	viewers := []struct {
		name string
		v    core.Viewer
	}{{"anonymous", core.ViewerAnyone}, {"read token", core.ViewerAnyone}, {"maintainer", core.ViewerMaintainer}}
	want := map[core.VersionState][3]bool{
		core.StatePending:     {false, false, true},
		core.StateQuarantined: {false, false, false},
		core.StateLive:        {true, true, true},
		core.StateDeprecated:  {true, true, true},
		core.StateUnpublished: {false, false, false},
	}
	live := &core.Package{PackageRef: core.NPM("p")}
	gone := &core.Package{PackageRef: core.NPM("p"), UnpublishedAt: at}
	for state, v := range versions {
		if got := v.State(); got != state {
			t.Errorf("State of %+v = %q, want %q", v, got, state)
		}
		for i, vw := range viewers {
			if got := core.Servable(&v, live, vw.v); got != want[state][i] {
				t.Errorf("Servable(%s, %s) = %v, want %v", state, vw.name, got, want[state][i])
			}
			if got := core.Servable(&v, nil, vw.v); got != want[state][i] {
				t.Errorf("Servable(%s, no package, %s) = %v, want %v", state, vw.name, got, want[state][i])
			}
			if core.Servable(&v, gone, vw.v) {
				t.Errorf("Servable(%s of an unpublished package, %s) = true", state, vw.name)
			}
		}
	}
}

func TestServableTags(t *testing.T) {
	tags := map[string]string{"latest": "1.0.0", "next": "2.0.0"}
	if got := core.ServableTags(tags, map[string]bool{"1.0.0": true, "2.0.0": true}); len(got) != 2 {
		t.Errorf("all served: %v", got)
	}
	got := core.ServableTags(tags, map[string]bool{"1.0.0": true})
	if len(got) != 1 || got["latest"] != "1.0.0" {
		t.Errorf("2.0.0 not served: %v, want only latest", got)
	}
	if len(tags) != 2 {
		t.Errorf("ServableTags changed its argument: %v", tags)
	}
}
