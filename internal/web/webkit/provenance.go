package webkit

import (
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/core"
)

// BuiltFrom is a version's build provenance as a page shows it; the links
// are "" unless they are http(s) URLs. The package page and the version
// page word it alike.
type BuiltFrom struct {
	Repository, RepositoryURL string
	Commit, CommitURL         string
	Workflow, WorkflowURL     string
	Runner, Trigger, RunURL   string
}

// BuiltFromOf words f for a page; nil for a version published without
// provenance. Commit and workflow links follow GitHub's and GitLab's
// layout (<repo>/commit/<sha>, <repo>/blob/<sha>/<path>).
func BuiltFromOf(f *core.Provenance) *BuiltFrom {
	if f == nil {
		return nil
	}
	repo := HTTPURL(f.SourceRepository)
	b := &BuiltFrom{Repository: strings.TrimPrefix(strings.TrimPrefix(f.SourceRepository, "https://"), "http://"),
		RepositoryURL: repo, Commit: f.Commit, Workflow: f.WorkflowPath, Runner: f.Runner, Trigger: f.Trigger, RunURL: HTTPURL(f.RunURL)}
	if len(b.Commit) > 12 {
		b.Commit = b.Commit[:12]
	}
	if repo != "" && f.Commit != "" {
		b.CommitURL = HTTPURL(strings.TrimSuffix(repo, "/") + "/commit/" + url.PathEscape(f.Commit))
		if f.WorkflowPath != "" {
			b.WorkflowURL = HTTPURL(strings.TrimSuffix(repo, "/") + "/blob/" + url.PathEscape(f.Commit) + "/" + f.WorkflowPath)
		}
	}
	return b
}

// HTTPURL is s if it is an absolute http(s) URL with a host and no user
// part, else "": the only links a page makes from a package's metadata.
func HTTPURL(s string) string {
	if s == "" || len(s) > 2048 || strings.ContainsAny(s, " \t\r\n\\") {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}
