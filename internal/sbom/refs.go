package sbom

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/rampart/rampart/internal/deptree"
)

// Registry is where FetchRefs asks.
type Registry struct {
	URL    *url.URL // base URL, ending in "/"
	Token  string
	Client *http.Client
}

// FetchRefs finds, for every npm package the tree resolved from this
// registry, the references a Rampart registry answers: the registry's
// publish attestation (/-/rampart/v1/attestations/<name>@<version>),
// build provenance (/-/npm/v1/attestations/<name>@<version>) and the
// publish's transparency-log entry (/-/log/lookup/<name>@<version>). A
// reference the registry does not answer (another registry, a version
// without provenance, a registry without a log) is left out silently:
// the SBOM is still complete without it. At most 8 requests at once.
func FetchRefs(ctx context.Context, reg Registry, t *deptree.Tree) map[string][]Ref {
	out := map[string][]Ref{}
	if t.Ecosystem != deptree.NPM || reg.URL == nil {
		return out
	}
	client := reg.Client
	if client == nil {
		client = http.DefaultClient
	}
	base := reg.URL.String()
	var mu sync.Mutex
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, p := range t.Packages {
		if !strings.HasPrefix(p.Resolved, base) {
			continue
		}
		for _, kind := range []string{RefAttestation, RefProvenance, RefLog} {
			u := RefURL(base, kind, p.Name, p.Version)
			wg.Add(1)
			sem <- struct{}{}
			go func(id, kind, u string) {
				defer wg.Done()
				defer func() { <-sem }()
				if exists(ctx, client, u, reg.Token) {
					mu.Lock()
					out[id] = append(out[id], Ref{Kind: kind, URL: u})
					mu.Unlock()
				}
			}(p.ID, kind, u)
		}
	}
	wg.Wait()
	for id := range out {
		sortRefs(out[id])
	}
	return out
}

// refPaths are where a Rampart registry answers each kind of reference,
// under its base URL.
var refPaths = map[string]string{
	RefAttestation: "-/rampart/v1/attestations/",
	RefProvenance:  "-/npm/v1/attestations/",
	RefLog:         "-/log/lookup/",
}

// RefURL is the URL of a reference of kind about name@version on the
// Rampart registry at base (ending in "/"): what FetchRefs asks and what
// the registry's own per-version SBOM links to.
func RefURL(base, kind, name, version string) string {
	if strings.HasPrefix(name, "@") { // npm's form: @scope%2fname
		return base + refPaths[kind] + "@" + url.PathEscape(name[1:]+"@"+version)
	}
	return base + refPaths[kind] + url.PathEscape(name+"@"+version)
}

func sortRefs(r []Ref) {
	order := map[string]int{RefAttestation: 0, RefProvenance: 1, RefLog: 2}
	for i := 1; i < len(r); i++ {
		for j := i; j > 0 && order[r[j].Kind] < order[r[j-1].Kind]; j-- {
			r[j], r[j-1] = r[j-1], r[j]
		}
	}
}

// exists is true when GET u answers 200 with a JSON body.
func exists(ctx context.Context, c *http.Client, u, token string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json")
}
