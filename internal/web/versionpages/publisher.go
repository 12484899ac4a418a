package versionpages

import (
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/web/webkit"
)

// trustedPublisher words a publish through trusted publishing as
// npmjs.com does: "Published by GitHub Actions (trusted publisher) from
// <repository> workflow <path>@<ref>". The links are the verified
// provenance's when the version has one; else, for GitHub, the
// repository's and the workflow file's at the ref.
type trustedPublisher struct {
	CI                        string // "GitHub Actions", "GitLab CI/CD", ...
	Repository, RepositoryURL string
	Workflow, WorkflowURL     string // the workflow's path, and @ref when known
}

func trustedPublisherOf(pb *store.PublishedBy, built *webkit.BuiltFrom) *trustedPublisher {
	if pb == nil || pb.Kind != store.PublishedByTrusted {
		return nil
	}
	tp := &trustedPublisher{CI: webkit.CIName(pb.Issuer), Repository: pb.Repository, Workflow: pb.Workflow}
	if tp.Workflow != "" && pb.Ref != "" {
		tp.Workflow += "@" + pb.Ref
	}
	switch {
	case built != nil:
		tp.RepositoryURL, tp.WorkflowURL = built.RepositoryURL, built.WorkflowURL
	case pb.Issuer == "github" && validRepo(pb.Repository):
		tp.RepositoryURL = "https://github.com/" + pb.Repository
		if pb.Workflow != "" && pb.Ref != "" {
			ref := strings.TrimPrefix(strings.TrimPrefix(pb.Ref, "refs/heads/"), "refs/tags/")
			segs := strings.Split(pb.Workflow, "/")
			for i, seg := range segs {
				segs[i] = url.PathEscape(seg)
			}
			tp.WorkflowURL = tp.RepositoryURL + "/blob/" + url.PathEscape(ref) + "/" + strings.Join(segs, "/")
		}
	}
	return tp
}

// validRepo reports whether r is an owner/name pair that makes a safe
// link: letters, digits and - _ . only, one slash.
func validRepo(r string) bool {
	owner, name, ok := strings.Cut(r, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") || name == ".." || name == "." {
		return false
	}
	for _, c := range r {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '/') {
			return false
		}
	}
	return true
}
