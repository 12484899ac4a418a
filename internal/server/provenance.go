package server

import (
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/store"
)

// trustedSource answers publish.Provenance.TrustedPublisher: for a
// publish through trusted publishing, the source repository and workflow
// its configuration names, which the provenance it carries must match
// (provenance.CheckTrustedPublisher). ok is false for any other
// principal, and for a CircleCI publisher, whose claims name no
// repository a certificate could be compared with.
func trustedSource(issuers []config.TrustIssuer) func(tx store.Tx, p authz.Principal) (repository, workflow string, ok bool, err error) {
	kinds := map[string]config.TrustIssuer{}
	for _, is := range issuers {
		kinds[is.Name] = is
	}
	return func(tx store.Tx, p authz.Principal) (string, string, bool, error) {
		if p.Publisher == nil {
			return "", "", false, nil
		}
		tp, err := tx.TrustedPublisherByID(p.Publisher.ID)
		if err != nil {
			return "", "", false, err
		}
		is := kinds[tp.Issuer]
		switch {
		case tp.Claims["repository"] != "":
			// GitHub and generic issuers: "owner/name", on github.com
			// unless the claim is a URL.
			return tp.Claims["repository"], tp.Claims["workflow_ref.file"], true, nil
		case tp.Claims["project_path"] != "":
			// GitLab: the project lives on the issuer's own host.
			host := "https://gitlab.com"
			if u, err := url.Parse(is.URL); err == nil && u.Host != "" {
				host = u.Scheme + "://" + u.Host
			}
			return strings.TrimSuffix(host, "/") + "/" + tp.Claims["project_path"], tp.Claims["ci_config_ref_uri.file"], true, nil
		}
		return "", "", false, nil
	}
}
