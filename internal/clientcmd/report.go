package clientcmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/npmrc"
	"github.com/rampart/rampart/internal/report"
	"github.com/rampart/rampart/internal/reportapi"
)

// reportTimeout bounds the one request `rampart report` sends.
const reportTimeout = time.Minute

// newReport is `rampart report <pkg>[@version] --reason CATEGORY`: a
// client command, talking to a registry over HTTP as npm does (its
// registry and token found by internal/npmrc).
func newReport(env Env) *cobra.Command {
	var reason, message string
	var f clientFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "report <package>[@<version>] --reason <reason> [--message <text>]",
		Short: "Report a package or version to the registry's moderators",
		Long: `Report a package, or one version of it, to the moderators of a Rampart
registry: as malicious code, spam, name squatting or impersonation, a
licence or copyright violation, or another policy problem. Moderators are
mailed; you are mailed when they reply or close your report. Reporting the
same package again while your report is open updates it.

` + registryHelp + ` A scoped package is reported to its
scope's registry. Sign in first with
  npm login --registry <url>

Reasons: ` + reasons() + `

Exit codes: 0 the report was filed, 1 the registry refused it or could not
be reached, 2 bad command line or no registry configured.`,
		Example: `  rampart report left-pad --reason spam --message "only links to a casino"
  rampart report @acme/utils@1.4.2 --reason malicious --message "postinstall sends ~/.npmrc to a server"
  rampart report expresss --reason squatting --registry https://registry.example/ --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, version := report.ParseTarget(args[0])
			if name == "" {
				return usageErr("name the package to report, as <package> or <package>@<version>")
			}
			if reason == "" {
				return usageErr("say why with --reason: one of %s", reasons())
			}
			if !core.ReportCategory(reason).Valid() {
				return usageErr("unknown --reason %q: use one of %s", reason, reasons())
			}
			dir, err := os.Getwd()
			if err != nil {
				return err
			}
			cfg, err := f.load(dir, env)
			if err != nil {
				return err
			}
			reg, err := cfg.RegistryFor(name)
			if err != nil {
				return clientErr("%w", err)
			}
			if reg == cfg.Registry {
				if err := cfg.needRampart(); err != nil {
					return err
				}
			}
			token, _ := cfg.TokenFor(reg)
			if token == "" {
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("you are not signed in to %s: no %s:_authToken in your .npmrc; run `npm login --registry %s` first",
					reg, npmrc.NerfDart(reg), reg)}
			}
			res, err := postReport(cmd, cfg.httpClient(reportTimeout), reg, token, name, version, reason, message)
			if err != nil {
				return &ExitError{Code: ExitFailed, Err: err}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			target := res.Package
			if res.Version != "" {
				target += "@" + res.Version
			}
			verb := "Reported"
			if res.Updated {
				verb = "Updated your report on"
			}
			fmt.Fprintf(out, "%s %s as %s: report %d, queue item %d (%d %s).\n%s\n", verb, target, res.Reason, res.ID, res.Item,
				res.Reporters, plural(res.Reporters, "reporter", "reporters"), res.Message)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why: "+reasons())
	cmd.Flags().StringVar(&message, "message", "", "what you found, for the moderators (at most 4,000 bytes)")
	f.registerRegistry(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the registry's answer as JSON")
	return cmd
}

func reasons() string {
	var names []string
	for _, c := range core.ReportCategories() {
		names = append(names, string(c))
	}
	return strings.Join(names, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// postReport sends the report and returns the registry's answer, or its
// refusal in its own words.
func postReport(cmd *cobra.Command, client *http.Client, registry *url.URL, token, name, version, reason, message string) (*reportapi.FileResponse, error) {
	body, err := json.Marshal(map[string]string{"package": name, "version": version, "reason": reason, "description": message})
	if err != nil {
		return nil, err
	}
	endpoint := registry.JoinPath(strings.TrimPrefix(reportapi.PathReports, "/")).String()
	req, err := http.NewRequestWithContext(cmd.Context(), http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "rampart/"+Version)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("could not reach the registry %s: %w", registry, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the registry's answer: %w", err)
	}
	if resp.StatusCode != http.StatusCreated {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			return nil, fmt.Errorf("the registry %s answered %s; is it a Rampart registry?", registry, resp.Status)
		}
		msg := fmt.Sprintf("the registry refused the report (%s): %s", resp.Status, e.Error)
		if resp.StatusCode == http.StatusUnauthorized {
			msg += fmt.Sprintf("\nSign in again with `npm login --registry %s`.", registry)
		}
		return nil, errors.New(msg)
	}
	var res reportapi.FileResponse
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("the registry's answer is not what a Rampart registry sends: %w", err)
	}
	return &res, nil
}
