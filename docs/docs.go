// Package docs embeds the policy documents so the server can serve them.
package docs

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed policies/*.md
var policies embed.FS

// Policies returns each policy's Markdown by name ("unpublish").
func Policies() map[string]string {
	out := map[string]string{}
	entries, _ := fs.ReadDir(policies, "policies")
	for _, e := range entries {
		b, err := policies.ReadFile("policies/" + e.Name())
		if err == nil {
			out[strings.TrimSuffix(e.Name(), ".md")] = string(b)
		}
	}
	return out
}
