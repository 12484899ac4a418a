package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/limits"
)

// openAdvisories builds the advisory database (internal/advisory).
func openAdvisories(svc *Services, cfg config.Config, opts Options) *advisory.Service {
	return advisory.New(svc.Store, advisory.Config{PublicURL: cfg.PublicURL}, opts.Now, opts.Log)
}

// startAdvisoryJobs starts the scheduled pull of [advisories] url, if
// one is configured.
func startAdvisoryJobs(svc *Services, cfg config.Config) {
	a := cfg.Advisories
	if a.URL == "" {
		return
	}
	bg := svc.Background
	fetch := HTTPFetch(a.URL, &http.Client{Timeout: limits.AdvisoryPullTimeout})
	bg.Go(bg.Context(), "advisory pull", func(ctx context.Context) {
		svc.Advisories.RunPull(ctx, a.URL, a.Interval.Duration, fetch, os.TempDir())
	})
}

// HTTPFetch is the scheduled pull's download: a conditional GET of url
// (If-None-Match with the last ETag), its body copied to w up to
// limits.MaxAdvisoryImportBytes and refused past it.
func HTTPFetch(url string, client *http.Client) advisory.Fetch {
	return func(ctx context.Context, etag string, w io.Writer) (string, bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return "", false, err
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", false, err
		}
		defer resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusNotModified:
			return etag, true, nil
		case http.StatusOK:
		default:
			return "", false, fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		if resp.ContentLength > limits.MaxAdvisoryImportBytes {
			return "", false, fmt.Errorf("GET %s: %d bytes, over the limit of %d MiB on an advisory import", url, resp.ContentLength, limits.MaxAdvisoryImportBytes/limits.MiB)
		}
		n, err := io.Copy(w, io.LimitReader(resp.Body, limits.MaxAdvisoryImportBytes+1))
		if err != nil {
			return "", false, fmt.Errorf("GET %s: %w", url, err)
		}
		if n > limits.MaxAdvisoryImportBytes {
			return "", false, fmt.Errorf("GET %s: over the limit of %d MiB on an advisory import", url, limits.MaxAdvisoryImportBytes/limits.MiB)
		}
		return resp.Header.Get("ETag"), false, nil
	}
}
