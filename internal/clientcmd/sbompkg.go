package clientcmd

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxPackageSBOMBytes bounds the SBOM read from the registry: a
// version's own SBOM lists at most 1,000 packages (limits.MaxSBOMNodes),
// a few kB each.
const maxPackageSBOMBytes = 64 << 20

// splitSpec splits name@version ("@scope/name@1.0.0" too).
func splitSpec(spec string) (name, version string, ok bool) {
	at := strings.LastIndexByte(spec, '@')
	if at <= 0 || at == len(spec)-1 {
		return "", "", false
	}
	return spec[:at], spec[at+1:], true
}

// fetchPackageSBOM asks the registry for one published version's own SBOM
// (GET /-/sbom/<name>/<version>, docs/sbom.md) and copies it to w.
func fetchPackageSBOM(ctx context.Context, ce *clientEnv, spec, format string, w io.Writer) error {
	name, version, ok := splitSpec(spec)
	if !ok {
		return usageErr("--package %q: give name@version, e.g. --package left-pad@1.3.0 or --package @scope/name@1.0.0", spec)
	}
	if ce.cfg.Registry == nil {
		return clientErr("no registry configured: set one with --registry or `npm config set registry`")
	}
	u := ce.cfg.Registry.String() + "-/sbom/" + url.PathEscape(name) + "/" + url.PathEscape(version) + "?format=" + url.QueryEscape(format)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return clientErr("%s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json") // ce.http adds the token configured for the registry's host
	resp, err := ce.http.Do(req)
	if err != nil {
		return clientErr("cannot reach the registry at %s: %w", ce.cfg.Registry.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPackageSBOMBytes+1))
	if err != nil {
		return clientErr("reading the SBOM from %s: %w", ce.cfg.Registry.Host, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(body))
			if len(e.Error) > 200 {
				e.Error = e.Error[:200] + "…"
			}
		}
		if resp.StatusCode == http.StatusNotFound && e.Error == "" {
			e.Error = "the registry serves no SBOMs (not a Rampart registry?)"
		}
		return clientErr("%s answered %d for %s@%s: %s", ce.cfg.Registry.Host, resp.StatusCode, name, version, e.Error)
	}
	if len(body) > maxPackageSBOMBytes {
		return clientErr("the SBOM of %s@%s is over %d MiB: not reading it", name, version, maxPackageSBOMBytes>>20)
	}
	_, err = w.Write(body)
	return err
}

// errPackageAndDir refuses a folder together with --package: the SBOM
// is the registry's, not the folder's.
var errPackageAndDir = errors.New("--package asks the registry for a published version's SBOM: give no project folder with it (the folder's .npmrc is read from the current one)")
