package archtest

import (
	"slices"
	"strings"
	"testing"
)

// The client commands are clients: they talk to a registry over HTTP, as
// npm does, and never link the server's side (its wiring, a storage
// backend, a front-end), so that `rampart audit` works against any
// registry and the client's code cannot reach the server's data.
var clientNever = []string{
	"internal/server", "internal/cli", "internal/store/sqlite", "internal/blob/fsblob",
	"internal/npm", "internal/web", "internal/ops", "internal/httpguard",
}

// TestClientCommandsStayClients fails when internal/clientcmd or
// internal/npmrc depends, directly or not, on the server's side; when
// internal/npmrc (the one way to find the registry and its token) imports
// anything of this module; or when a package other than the client
// commands imports it.
func TestClientCommandsStayClients(t *testing.T) {
	module := modulePath(t)
	rel := func(s string) string { return strings.TrimPrefix(s, module+"/") }
	for _, p := range listLayout(t, module+"/...") {
		from := rel(p.ImportPath)
		switch from {
		case "internal/clientcmd", "internal/npmrc":
			for _, d := range p.Deps {
				if slices.Contains(clientNever, rel(d)) {
					t.Errorf("%s depends on %s: a client command reaches the registry over HTTP only", from, rel(d))
				}
			}
		}
		for _, imp := range p.Imports {
			to := rel(imp)
			if from == "internal/npmrc" && to != imp {
				t.Errorf("internal/npmrc imports %s: it is a leaf that reads files", to)
			}
			if to == "internal/npmrc" && from != "internal/clientcmd" {
				t.Errorf("%s imports internal/npmrc: only the client commands find the registry npm's way", from)
			}
		}
	}
}

// TestPageGroupsAndAPIs fails when the shell and its page groups reach
// into each other (a group builds on internal/web/webkit, never
// internal/web, never another group; internal/web imports no group), or
// when a JSON front-end split out of npm's (reportapi, moderationapi)
// imports another front-end or the server's wiring.
func TestPageGroupsAndAPIs(t *testing.T) {
	module := modulePath(t)
	rel := func(s string) string { return strings.TrimPrefix(s, module+"/") }
	isGroup := func(p string) bool {
		return strings.HasPrefix(p, "internal/web/") && strings.HasSuffix(p, "pages")
	}
	frontEnds := []string{"internal/npm", "internal/web", "internal/server", "internal/cli", "internal/reportapi", "internal/moderationapi", "internal/scanapi", "internal/osvapi", "internal/logapi"}
	groups := 0
	for _, p := range listLayout(t, module+"/internal/...") {
		from := rel(p.ImportPath)
		if isGroup(from) {
			groups++
		}
		for _, imp := range p.Imports {
			to := rel(imp)
			switch {
			case isGroup(from) && (to == "internal/web" || isGroup(to)):
				t.Errorf("page group %s imports %s: a group builds on internal/web/webkit only", from, to)
			case from == "internal/web" && isGroup(to):
				t.Errorf("internal/web imports the page group %s: internal/server mounts groups (web.Handler.Mount)", to)
			case (from == "internal/reportapi" || from == "internal/moderationapi") && slices.Contains(frontEnds, to):
				t.Errorf("%s imports %s: an API front-end translates to its service alone; internal/server wires hooks between front-ends", from, to)
			}
		}
	}
	if groups < 10 {
		t.Fatalf("found %d page groups under internal/web: the pattern no longer finds them", groups)
	}
}
