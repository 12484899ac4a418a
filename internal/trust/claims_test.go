package trust

import (
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
)

func issuer(name, kind string) Issuer { return Issuer{Name: name, Kind: kind}.withDefaults() }

// TestNormalize: npm's bodies flatten to the keys each kind takes, and a
// body the kind does not take is refused saying which claim.
func TestNormalize(t *testing.T) {
	gh := issuer("github", KindGitHub)
	flat, err := gh.normalize(map[string]any{"repository": "acme/widget", "workflow_ref": map[string]any{"file": "publish.yml"}, "environment": "prod"})
	if err != nil || flat["workflow_ref.file"] != "publish.yml" || flat["repository"] != "acme/widget" || flat["environment"] != "prod" {
		t.Fatalf("%v %v", flat, err)
	}
	if got := unflatten(flat); got["workflow_ref"].(map[string]any)["file"] != "publish.yml" {
		t.Errorf("unflatten: %v", got)
	}
	for _, c := range []struct {
		raw  map[string]any
		want string
	}{
		{map[string]any{"repository": "acme/widget"}, "workflow_ref.file is missing"},
		{map[string]any{"repository": "acme/widget", "workflow_ref": map[string]any{"file": "a.yml"}, "sub": "x"}, "\"sub\" is not one of them"},
		{map[string]any{"repository": "acme/widget", "workflow_ref": map[string]any{"file": "a.yml@refs/heads/main"}}, "without a leading / or an @ref"},
		{map[string]any{"repository": "a\nb", "workflow_ref": map[string]any{"file": "a.yml"}}, "control characters"},
		{map[string]any{"repository": 7, "workflow_ref": map[string]any{"file": "a.yml"}}, "must be a string"},
	} {
		if _, err := gh.normalize(c.raw); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.raw, err, c.want)
		}
	}
	cc := issuer("circleci", KindCircleCI)
	flat, err = cc.normalize(map[string]any{"oidc.circleci.com/org-id": "o", "oidc.circleci.com/project-id": "p",
		"oidc.circleci.com/pipeline-definition-id": "d", "oidc.circleci.com/vcs-origin": "github.com/acme/widget", "oidc.circleci.com/context-ids": []any{"c1", "c2"}})
	if err != nil || flat["oidc.circleci.com/context-ids"] != "c1,c2" {
		t.Fatalf("circleci: %v %v", flat, err)
	}
}

// TestMatch: each kind's workflow claims, environment and stable ids.
func TestMatch(t *testing.T) {
	gh := issuer("github", KindGitHub)
	tp := &core.TrustedPublisher{Claims: map[string]string{"repository": "acme/widget", "workflow_ref.file": "publish.yml", "environment": "prod"}}
	good := map[string]any{"repository": "Acme/Widget", "workflow_ref": "Acme/Widget/.github/workflows/publish.yml@refs/tags/v1", "environment": "prod", "repository_id": "1", "repository_owner_id": "2"}
	if m := gh.match(tp, good); m != nil {
		t.Fatalf("good token: %v", m)
	}
	bad := func(k string, v any) map[string]any {
		c := map[string]any{}
		for kk, vv := range good {
			c[kk] = vv
		}
		c[k] = v
		return c
	}
	for _, c := range []struct {
		claims map[string]any
		claim  string
	}{
		{bad("repository", "acme/other"), "repository"},
		{bad("workflow_ref", "acme/widget/.github/workflows/other.yml@refs/heads/main"), "workflow_ref"},
		{bad("workflow_ref", "acme/widget/.github/workflows/sub/publish.yml@refs/heads/main"), "workflow_ref"},
		{bad("workflow_ref", "evil/widget/.github/workflows/publish.yml@refs/heads/main"), "workflow_ref"},
		{bad("environment", "staging"), "environment"},
		{bad("environment", nil), "environment"},
	} {
		if m := gh.match(tp, c.claims); m == nil || m.claim != c.claim {
			t.Errorf("%v: %v, want a mismatch of %s", c.claims, m, c.claim)
		}
	}
	// Stable ids recorded at the first exchange must match ever after.
	tp.Stable = gh.stableOf(good)
	if m := gh.match(tp, bad("repository_id", "99")); m == nil || !strings.HasPrefix(m.claim, "repository_id") {
		t.Errorf("re-created repository: %v", m)
	}

	gl := issuer("gitlab", KindGitLab)
	tp = &core.TrustedPublisher{Claims: map[string]string{"project_path": "group/proj", "ci_config_ref_uri.file": ".gitlab-ci.yml"}}
	ok := map[string]any{"project_path": "group/proj", "ci_config_ref_uri": "gitlab.com/group/proj//.gitlab-ci.yml@refs/heads/main"}
	if m := gl.match(tp, ok); m != nil {
		t.Errorf("gitlab: %v", m)
	}
	if m := gl.match(tp, map[string]any{"project_path": "group/proj", "ci_config_ref_uri": "gitlab.com/group/proj//other.yml@refs/heads/main"}); m == nil {
		t.Error("gitlab: another config file matched")
	}

	gen := issuer("forgejo", KindGeneric)
	tp = &core.TrustedPublisher{Claims: map[string]string{"repository": "bob/tool", "workflow_ref.file": ".forgejo/workflows/release.yml"}}
	if m := gen.match(tp, map[string]any{"repository": "bob/tool", "workflow_ref": "bob/tool/.forgejo/workflows/release.yml@refs/heads/main"}); m != nil {
		t.Errorf("generic: %v", m)
	}
	if m := gen.match(tp, map[string]any{"repository": "bob/tool", "workflow_ref": "bob/tool/x.forgejo/workflows/release.yml@main"}); m == nil {
		t.Error("generic: a longer path ending in the file name matched")
	}

	cc := issuer("circleci", KindCircleCI)
	tp = &core.TrustedPublisher{Claims: map[string]string{circlePrefix + "org-id": "o", circlePrefix + "project-id": "p",
		circlePrefix + "pipeline-definition-id": "d", circlePrefix + "vcs-origin": "v", circlePrefix + "context-ids": "c1"}}
	tok := map[string]any{circlePrefix + "org-id": "o", circlePrefix + "project-id": "p", circlePrefix + "pipeline-definition-id": "d",
		circlePrefix + "vcs-origin": "v", circlePrefix + "context-ids": []any{"c0", "c1"}}
	if m := cc.match(tp, tok); m != nil {
		t.Errorf("circleci: %v", m)
	}
	tok[circlePrefix+"context-ids"] = []any{"c0"}
	if m := cc.match(tp, tok); m == nil {
		t.Error("circleci: a missing context matched")
	}
}
