package publish

import (
	"errors"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// publishedBy is how p published, as the version's page shows it
// (store.VersionReaders): for a trusted publisher, the repository and
// workflow its configuration matched, and the ref built: from the ID
// token's subject when it names one (GitHub's repo:<repo>:ref:<ref>,
// GitLab's …:ref:<ref>), else from the verified provenance.
func publishedBy(tx store.TrustedPublishers, p authz.Principal, prov *core.Provenance) (store.PublishedBy, error) {
	switch {
	case p.Publisher != nil:
	case p.Token != nil:
		return store.PublishedBy{Kind: store.PublishedWithToken}, nil
	default:
		return store.PublishedBy{Kind: store.PublishedWithSession}, nil
	}
	pb := store.PublishedBy{Kind: store.PublishedByTrusted, Issuer: p.Publisher.Issuer, Subject: p.Publisher.Subject}
	if tp, err := tx.TrustedPublisherByID(p.Publisher.ID); err == nil {
		switch {
		case tp.Claims["project_path"] != "":
			pb.Repository, pb.Workflow = tp.Claims["project_path"], tp.Claims["ci_config_ref_uri.file"]
		case tp.Claims["repository"] != "":
			pb.Repository, pb.Workflow = tp.Claims["repository"], tp.Claims["workflow_ref.file"]
			if p.Publisher.Issuer == "github" && pb.Workflow != "" {
				pb.Workflow = ".github/workflows/" + pb.Workflow
			}
		}
	} else if !errors.Is(err, core.ErrNotFound) {
		return pb, err
	}
	if _, ref, ok := strings.Cut(p.Publisher.Subject, ":ref:"); ok {
		pb.Ref = ref
	} else if prov != nil {
		pb.Ref = prov.WorkflowRef
		if pb.Ref == "" {
			pb.Ref = prov.SourceRef
		}
	}
	return pb, nil
}
