package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
)

// WriteSARIF writes the report as SARIF 2.1.0, the format code-scanning
// UIs read: one rule per advisory, one result per finding, located in the
// lockfile (package-lock.json or go.mod). A finding that does not count
// (not reachable) is a "note", so that it shows without failing a gate.
func WriteSARIF(w io.Writer, r *Report, toolVersion string) error {
	lock := "package-lock.json"
	if r.Ecosystem == "Go" {
		lock = "go.mod"
	}
	type msg struct {
		Text string `json:"text"`
	}
	type rule struct {
		ID               string         `json:"id"`
		Name             string         `json:"name,omitempty"`
		ShortDescription msg            `json:"shortDescription"`
		HelpURI          string         `json:"helpUri,omitempty"`
		Properties       map[string]any `json:"properties,omitempty"`
	}
	type result struct {
		RuleID     string         `json:"ruleId"`
		Level      string         `json:"level"`
		Message    msg            `json:"message"`
		Locations  []any          `json:"locations"`
		Properties map[string]any `json:"properties"`
	}
	var rules []rule
	seen := map[string]bool{}
	var results []result
	for _, f := range r.Findings {
		if !seen[f.ID] {
			seen[f.ID] = true
			sum := f.Summary
			if sum == "" {
				sum = f.ID
			}
			props := map[string]any{"tags": []string{"security", f.Ecosystem}}
			if f.Score > 0 {
				props["security-severity"] = strconv.FormatFloat(f.Score, 'f', 1, 64)
			} else {
				props["security-severity"] = map[string]string{"critical": "9.5", "high": "7.5", "moderate": "5.0", "low": "2.0"}[f.Severity]
			}
			rules = append(rules, rule{ID: f.ID, Name: f.ID, ShortDescription: msg{sum}, HelpURI: "https://osv.dev/vulnerability/" + f.ID, Properties: props})
		}
		level := map[string]string{"critical": "error", "high": "error", "moderate": "warning", "low": "note"}[f.Severity]
		if level == "" {
			level = "warning"
		}
		if !f.Counts {
			level = "note"
		}
		text := fmt.Sprintf("%s@%s: %s (%s, %s)", f.Package, f.Version, firstNonEmpty(f.Summary, f.ID), f.Severity, f.Reachability)
		if f.Fixed != "" {
			text += "; fixed in " + f.Fixed
		}
		results = append(results, result{
			RuleID: f.ID, Level: level, Message: msg{text},
			Locations:  []any{map[string]any{"physicalLocation": map[string]any{"artifactLocation": map[string]string{"uri": filepath.ToSlash(lock)}}}},
			Properties: map[string]any{"package": f.Package, "version": f.Version, "fixed_version": f.Fixed, "reachability": f.Reachability, "reach_detail": f.Detail, "paths": f.Paths},
		})
	}
	if rules == nil {
		rules = []rule{}
	}
	if results == nil {
		results = []result{}
	}
	doc := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool":    map[string]any{"driver": map[string]any{"name": "rampart audit", "version": toolVersion, "informationUri": "https://github.com/rampart/rampart", "rules": rules}},
			"results": results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
