package trust

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/quote"
)

// Kinds of issuer: which claims identify a workflow.
const (
	KindGitHub   = "github"
	KindGitLab   = "gitlab"
	KindCircleCI = "circleci"
	KindGeneric  = "generic"
)

// Issuer is one trusted issuer as this package matches its tokens: its
// name (what a configuration's "type" says) and the claims that identify
// a workflow. The verifier (package idtoken) holds its URL and keys.
type Issuer struct {
	Name string
	Kind string // KindGitHub, KindGitLab, KindCircleCI or KindGeneric
	// For KindGeneric: the claim holding the repository ("repository"
	// by default), the one holding the workflow's path, optionally with
	// "@ref" ("workflow_ref"), the environment ("environment"), and the
	// stable ids recorded at first use.
	RepositoryClaim  string
	WorkflowClaim    string
	EnvironmentClaim string
	StableClaims     []string
}

// withDefaults fills a kind's claim names.
func (is Issuer) withDefaults() Issuer {
	switch is.Kind {
	case KindGitHub:
		is.RepositoryClaim, is.WorkflowClaim, is.EnvironmentClaim = "repository", "workflow_ref", "environment"
		if is.StableClaims == nil {
			is.StableClaims = []string{"repository_id", "repository_owner_id"}
		}
	case KindGitLab:
		is.RepositoryClaim, is.WorkflowClaim, is.EnvironmentClaim = "project_path", "ci_config_ref_uri", "environment"
		if is.StableClaims == nil {
			is.StableClaims = []string{"project_id", "namespace_id"}
		}
	case KindCircleCI:
	default:
		is.Kind = KindGeneric
		if is.RepositoryClaim == "" {
			is.RepositoryClaim = "repository"
		}
		if is.WorkflowClaim == "" {
			is.WorkflowClaim = "workflow_ref"
		}
		if is.EnvironmentClaim == "" {
			is.EnvironmentClaim = "environment"
		}
	}
	return is
}

// CircleCI's claims, as npm trust circleci sends them.
const circlePrefix = "oidc.circleci.com/"

var circleRequired = []string{"org-id", "project-id", "pipeline-definition-id", "vcs-origin"}

// configKeys are the flattened claim keys a configuration of the issuer
// takes, and which of them it needs.
func (is Issuer) configKeys() (required, optional []string) {
	switch is.Kind {
	case KindGitLab:
		return []string{"project_path", "ci_config_ref_uri.file"}, []string{"environment"}
	case KindCircleCI:
		for _, k := range circleRequired {
			required = append(required, circlePrefix+k)
		}
		return required, []string{circlePrefix + "context-ids"}
	}
	return []string{"repository", "workflow_ref.file"}, []string{"environment"}
}

// normalize flattens a configuration's claims as npm sends them
// ({"workflow_ref": {"file": "x"}} becomes "workflow_ref.file"; a list
// becomes comma-separated; CircleCI's short names get their prefix) and
// checks them against what the issuer takes.
func (is Issuer) normalize(raw map[string]any) (map[string]string, error) {
	flat := map[string]string{}
	var put func(key string, v any) error
	put = func(key string, v any) error {
		switch v := v.(type) {
		case string:
			if len(v) > limits.MaxTrustClaimBytes || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
				return core.Errorf(core.KindInvalid, "the claim %s is longer than %d bytes or holds control characters", quote.Untrusted(key), limits.MaxTrustClaimBytes)
			}
			if v != "" {
				flat[key] = v
			}
		case []any:
			var parts []string
			for _, e := range v {
				s, ok := e.(string)
				if !ok || strings.Contains(s, ",") {
					return core.Errorf(core.KindInvalid, "the claim %s must be a list of strings without commas", quote.Untrusted(key))
				}
				parts = append(parts, s)
			}
			return put(key, strings.Join(parts, ","))
		case map[string]any:
			for k, sub := range v {
				if err := put(key+"."+k, sub); err != nil {
					return err
				}
			}
		case nil:
		default:
			return core.Errorf(core.KindInvalid, "the claim %s must be a string, a list of strings or an object of them", quote.Untrusted(key))
		}
		return nil
	}
	if len(raw) > limits.MaxTrustClaims {
		return nil, core.Errorf(core.KindInvalid, "a trusted publisher takes at most %d claims", limits.MaxTrustClaims)
	}
	for k, v := range raw {
		if is.Kind == KindCircleCI && !strings.HasPrefix(k, circlePrefix) {
			k = circlePrefix + k
		}
		if err := put(k, v); err != nil {
			return nil, err
		}
	}
	required, optional := is.configKeys()
	for _, k := range required {
		if flat[k] == "" {
			return nil, core.Errorf(core.KindInvalid, "a %s trusted publisher needs the claims %s; %s is missing", is.Name, strings.Join(required, ", "), k)
		}
	}
	for k := range flat {
		if !slices.Contains(required, k) && !slices.Contains(optional, k) {
			return nil, core.Errorf(core.KindInvalid, "a %s trusted publisher takes the claims %s; %s is not one of them",
				is.Name, strings.Join(append(required, optional...), ", "), quote.Untrusted(k))
		}
	}
	if f := flat["workflow_ref.file"] + flat["ci_config_ref_uri.file"]; strings.ContainsAny(f, "@") || strings.HasPrefix(f, "/") {
		return nil, core.Errorf(core.KindInvalid, "name the workflow file by its name (publish.yml) or path in the repository, without a leading / or an @ref")
	}
	return flat, nil
}

// unflatten is the claims as npm shows them (npm trust list).
func unflatten(flat map[string]string) map[string]any {
	out := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(flat)) {
		v := flat[k]
		if strings.HasSuffix(k, "context-ids") {
			out[k] = strings.Split(v, ",")
			continue
		}
		if head, sub, ok := strings.Cut(k, "."); ok && !strings.HasPrefix(k, circlePrefix) {
			m, _ := out[head].(map[string]any)
			if m == nil {
				m = map[string]any{}
				out[head] = m
			}
			m[sub] = v
			continue
		}
		out[k] = v
	}
	return out
}

// describe is a configuration in one line, for events, mail and pages.
func describe(issuer string, flat map[string]string) string {
	parts := []string{}
	for _, k := range slices.Sorted(maps.Keys(flat)) {
		parts = append(parts, k+"="+flat[k])
	}
	return issuer + " (" + strings.Join(parts, ", ") + ")"
}

// claimList is the configuration's claims as "key=value", sorted.
func claimList(flat map[string]string) []string {
	out := []string{}
	for _, k := range slices.Sorted(maps.Keys(flat)) {
		out = append(out, k+"="+flat[k])
	}
	return out
}

// str reads a claim as a string: JSON strings as they are, numbers as
// written (GitLab sends some ids as numbers).
func str(claims map[string]any, key string) string {
	switch v := claims[key].(type) {
	case string:
		return v
	case float64:
		return fmt.Sprintf("%.0f", v)
	case bool:
		return fmt.Sprint(v)
	}
	return ""
}

// mismatch is why a configuration did not match a token, for the
// exchange's refusal when nothing matched.
type mismatch struct{ claim, want, got string }

func (m mismatch) String() string {
	return fmt.Sprintf("%s is %s, the configuration wants %s", m.claim, quote.Untrusted(m.got), quote.Untrusted(m.want))
}

// match reports whether the token's claims fit the configuration, or the
// first claim that did not.
func (is Issuer) match(tp *core.TrustedPublisher, claims map[string]any) *mismatch {
	c := tp.Claims
	switch is.Kind {
	case KindCircleCI:
		for _, k := range circleRequired {
			if got := str(claims, circlePrefix+k); got != c[circlePrefix+k] {
				return &mismatch{circlePrefix + k, c[circlePrefix+k], got}
			}
		}
		if want := c[circlePrefix+"context-ids"]; want != "" {
			have := map[string]bool{}
			if list, ok := claims[circlePrefix+"context-ids"].([]any); ok {
				for _, e := range list {
					if s, ok := e.(string); ok {
						have[s] = true
					}
				}
			}
			for id := range strings.SplitSeq(want, ",") {
				if !have[id] {
					return &mismatch{circlePrefix + "context-ids", want, fmt.Sprint(claims[circlePrefix+"context-ids"])}
				}
			}
		}
		return is.matchStable(tp, claims)
	}
	repoKey, fileKey := "repository", "workflow_ref.file"
	if is.Kind == KindGitLab {
		repoKey, fileKey = "project_path", "ci_config_ref_uri.file"
	}
	repo := str(claims, is.RepositoryClaim)
	if !strings.EqualFold(repo, c[repoKey]) {
		return &mismatch{is.RepositoryClaim, c[repoKey], repo}
	}
	wf := str(claims, is.WorkflowClaim)
	if !workflowIs(is.Kind, wf, repo, c[fileKey]) {
		return &mismatch{is.WorkflowClaim, c[fileKey], wf}
	}
	if want := c["environment"]; want != "" {
		if got := str(claims, is.EnvironmentClaim); got != want {
			return &mismatch{is.EnvironmentClaim, want, got}
		}
	}
	return is.matchStable(tp, claims)
}

// workflowIs reports whether the workflow claim names file in repo:
// GitHub's workflow_ref is "owner/repo/.github/workflows/<file>@<ref>",
// GitLab's ci_config_ref_uri "<host>/<project>//<file>@<ref>"; a generic
// issuer's claim must end with "/<file>" or be the file, after any
// "@<ref>".
func workflowIs(kind, claim, repo, file string) bool {
	path, _, _ := strings.Cut(claim, "@")
	switch kind {
	case KindGitHub:
		want := repo + "/.github/workflows/" + file
		return strings.EqualFold(path[:min(len(path), len(repo))], repo) && path[min(len(path), len(repo)):] == want[len(repo):]
	case KindGitLab:
		proj, f, ok := strings.Cut(path, "//")
		return ok && f == file && strings.HasSuffix(strings.ToLower(proj), "/"+strings.ToLower(repo))
	}
	return path == file || strings.HasSuffix(path, "/"+file)
}

// matchStable checks the stable ids recorded at the first exchange; a
// configuration that has none yet matches (they are recorded then).
func (is Issuer) matchStable(tp *core.TrustedPublisher, claims map[string]any) *mismatch {
	for k, want := range tp.Stable {
		if got := str(claims, k); got != want {
			return &mismatch{k + " (recorded at the first publish: the repository was deleted and re-created?)", want, got}
		}
	}
	return nil
}

// stableOf are the token's stable ids, to record at the first exchange.
func (is Issuer) stableOf(claims map[string]any) map[string]string {
	out := map[string]string{}
	for _, k := range is.StableClaims {
		if v := str(claims, k); v != "" {
			out[k] = v
		}
	}
	return out
}
