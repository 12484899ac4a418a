package publish

import (
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// trustedFake holds trusted-publisher configurations by id.
type trustedFake struct {
	store.TrustedPublishers
	tps map[int64]*core.TrustedPublisher
}

func (f trustedFake) TrustedPublisherByID(id int64) (*core.TrustedPublisher, error) {
	if tp, ok := f.tps[id]; ok {
		return tp, nil
	}
	return nil, core.ErrNotFound
}

// How a publish is recorded: the credential's kind; for a trusted
// publisher, its configuration's repository and workflow (GitHub's file
// under .github/workflows), and the ref from the ID token's subject, else
// from the verified provenance; a configuration removed since still
// records what the token said.
func TestPublishedBy(t *testing.T) {
	tx := trustedFake{tps: map[int64]*core.TrustedPublisher{
		1: {ID: 1, Issuer: "github", Claims: map[string]string{"repository": "acme/widget", "workflow_ref.file": "publish.yml"}},
		2: {ID: 2, Issuer: "gitlab", Claims: map[string]string{"project_path": "acme/widget", "ci_config_ref_uri.file": ".gitlab-ci.yml"}},
	}}
	prov := &core.Provenance{WorkflowRef: "refs/tags/v1.0.0", SourceRef: "refs/heads/other"}
	for _, c := range []struct {
		name string
		p    authz.Principal
		prov *core.Provenance
		want store.PublishedBy
	}{
		{"token", authz.Principal{Token: &core.Token{}}, nil, store.PublishedBy{Kind: store.PublishedWithToken}},
		{"browser", authz.Principal{SessionID: "s"}, nil, store.PublishedBy{Kind: store.PublishedWithSession}},
		{"github, ref in the subject", authz.Principal{Token: &core.Token{}, Publisher: &authz.Publisher{ID: 1, Issuer: "github", Subject: "repo:acme/widget:ref:refs/heads/main"}}, prov,
			store.PublishedBy{Kind: "trusted", Issuer: "github", Repository: "acme/widget", Workflow: ".github/workflows/publish.yml", Ref: "refs/heads/main", Subject: "repo:acme/widget:ref:refs/heads/main"}},
		{"github, an environment: the provenance's ref", authz.Principal{Publisher: &authz.Publisher{ID: 1, Issuer: "github", Subject: "repo:acme/widget:environment:prod"}}, prov,
			store.PublishedBy{Kind: "trusted", Issuer: "github", Repository: "acme/widget", Workflow: ".github/workflows/publish.yml", Ref: "refs/tags/v1.0.0", Subject: "repo:acme/widget:environment:prod"}},
		{"gitlab", authz.Principal{Publisher: &authz.Publisher{ID: 2, Issuer: "gitlab", Subject: "project_path:acme/widget:ref_type:branch:ref:main"}}, nil,
			store.PublishedBy{Kind: "trusted", Issuer: "gitlab", Repository: "acme/widget", Workflow: ".gitlab-ci.yml", Ref: "main", Subject: "project_path:acme/widget:ref_type:branch:ref:main"}},
		{"configuration removed", authz.Principal{Publisher: &authz.Publisher{ID: 9, Issuer: "github", Subject: "repo:acme/widget:ref:refs/heads/main"}}, nil,
			store.PublishedBy{Kind: "trusted", Issuer: "github", Ref: "refs/heads/main", Subject: "repo:acme/widget:ref:refs/heads/main"}},
	} {
		got, err := publishedBy(tx, c.p, c.prov)
		if err != nil || got != c.want {
			t.Errorf("%s: %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
}
