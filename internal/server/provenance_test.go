package server

import (
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// oneTrusted is a transaction that knows one trusted publisher.
type oneTrusted struct {
	store.Tx
	tp *core.TrustedPublisher
}

func (o oneTrusted) TrustedPublisherByID(int64) (*core.TrustedPublisher, error) { return o.tp, nil }

// TestTrustedSource: the repository and workflow a trusted publish's
// provenance must match come from its configuration, on the issuer's own
// host for GitLab; other principals and CircleCI publishers have none.
func TestTrustedSource(t *testing.T) {
	src := trustedSource([]config.TrustIssuer{{Name: "github", URL: "https://token.actions.githubusercontent.com"}, {Name: "gitlab", URL: "https://gitlab.example.com"}})
	pub := authz.Principal{Publisher: &authz.Publisher{ID: 1}}
	for _, c := range []struct {
		p          authz.Principal
		tp         *core.TrustedPublisher
		repo, flow string
		ok         bool
	}{
		{authz.Principal{}, nil, "", "", false},
		{pub, &core.TrustedPublisher{Issuer: "github", Claims: map[string]string{"repository": "acme/widget", "workflow_ref.file": "release.yml"}}, "acme/widget", "release.yml", true},
		{pub, &core.TrustedPublisher{Issuer: "gitlab", Claims: map[string]string{"project_path": "acme/widget", "ci_config_ref_uri.file": ".gitlab-ci.yml"}}, "https://gitlab.example.com/acme/widget", ".gitlab-ci.yml", true},
		{pub, &core.TrustedPublisher{Issuer: "circleci", Claims: map[string]string{"oidc.circleci.com/project-id": "p"}}, "", "", false},
	} {
		repo, flow, ok, err := src(oneTrusted{tp: c.tp}, c.p)
		if err != nil || repo != c.repo || flow != c.flow || ok != c.ok {
			t.Errorf("trustedSource(%+v) = %q, %q, %v, %v; want %q, %q, %v", c.tp, repo, flow, ok, err, c.repo, c.flow, c.ok)
		}
	}
}
