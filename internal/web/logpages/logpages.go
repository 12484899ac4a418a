// Package logpages is the web UI's pages of the transparency log
// (internal/tlog, docs/transparency-log.md): /log (the latest signed
// checkpoint, its size, the keys, the latest entries and how to verify),
// /log/entry/<index> (one leaf with its inclusion proof in the latest
// checkpoint, computed from the tiles and checked before it is shown)
// and /log/package/<name> (each version's entries, linked from the
// package page). The pages are public and read only the log; a private
// package's entries are listed only to a reader who may read it
// (tlog.PackageEntriesFor), and to anyone else it is a name the log
// does not know.
package logpages

import (
	"embed"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/tlog"
	"github.com/rampart/rampart/internal/web/webkit"
)

// The pages' paths.
const (
	PathLog     = "/log"
	pathEntry   = "/log/entry/"
	pathPackage = "/log/package/"
	pathVersion = "/log/version/"
)

// latest is how many of the newest entries /log lists.
const latest = 20

//go:embed templates
var templateFiles embed.FS

var templates = webkit.Parse(templateFiles, "templates", template.FuncMap{
	"hex": func(b []byte) string { return hex.EncodeToString(b) },
	"b64": func(b []byte) string { return base64.StdEncoding.EncodeToString(b) },
	"str": func(b []byte) string { return string(b) },
})

// Pages serves the log's pages.
type Pages struct {
	log      *tlog.Log
	readable tlog.ReadCheck
}

// New returns the pages of l; nil when the server has no log (an admin
// command), which Mount then leaves out. readable is the registry's read
// decision on a package.
func New(l *tlog.Log, readable tlog.ReadCheck) *Pages { return &Pages{log: l, readable: readable} }

// Mount serves the pages in the web UI's shell.
func (g *Pages) Mount(sh webkit.Shell) {
	if g.log == nil {
		return
	}
	sh.Handle("GET "+PathLog, g.logPage)
	sh.Handle("GET "+pathEntry+"{index}", g.entryPage)
	sh.Handle("GET "+pathPackage+"{name...}", g.packagePage)
	sh.Handle("GET "+pathVersion+"{ref...}", g.versionEntry)
}

// versionEntry sends the browser to the entry that published
// name@version (the package page links each version here).
func (g *Pages) versionEntry(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	ref := r.PathValue("ref")
	at := strings.LastIndex(ref, "@")
	if at <= 0 {
		return core.Errorf(core.KindNotFound, "name a version as name@version, not %s", quote.Untrusted(ref))
	}
	found, size, err := g.log.LookupFor(r.Context(), g.readable, p, ref[:at], ref[at+1:])
	if err != nil {
		return err
	}
	for i := len(found) - 1; i >= 0; i-- {
		if t := found[i].Type; t == core.EventPublish || t == core.EventStageApprove || t == core.EventStagePublish {
			webkit.Redirect(w, pathEntry+strconv.FormatUint(found[i].Index, 10))
			return nil
		}
	}
	return core.Errorf(core.KindNotFound, "the log's latest checkpoint (size %d) has no publish of %s yet; it is appended within seconds of the publish", size, quote.Untrusted(ref))
}

type logBody struct {
	Origin     string
	Size       uint64
	Root       []byte
	Checkpoint string
	Keys       []string
	Latest     []tlog.FeedItem
}

func (g *Pages) logPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	raw, cp, err := g.log.Checkpoint(r.Context())
	if err != nil {
		return err
	}
	from := uint64(0)
	if cp.Size > latest {
		from = cp.Size - latest
	}
	items, _, err := g.log.Feed(r.Context(), from, latest)
	if err != nil {
		return err
	}
	for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
		items[i], items[j] = items[j], items[i]
	}
	b := logBody{Origin: cp.Origin, Size: cp.Size, Root: cp.Hash, Checkpoint: string(raw), Keys: g.log.VerifierKeys(), Latest: items}
	return templates.Render(w, r, p, http.StatusOK, "log", webkit.Data{Title: "Transparency log", Body: b})
}

func (g *Pages) entryPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	s := r.PathValue("index")
	index, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return core.Errorf(core.KindNotFound, "%s is not a leaf index; leaves are numbered from 0", quote.Untrusted(s))
	}
	pr, err := g.log.Prove(r.Context(), index)
	if err != nil {
		return err
	}
	return templates.Render(w, r, p, http.StatusOK, "entry", webkit.Data{Title: "Log entry " + s, Body: pr})
}

type packageBody struct {
	Name    string
	Size    uint64
	Entries []tlog.VersionEntry
}

func (g *Pages) packagePage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	name := strings.TrimSuffix(r.PathValue("name"), "/")
	es, size, err := g.log.PackageEntriesFor(r.Context(), g.readable, p, name)
	if err != nil {
		return err
	}
	if len(es) == 0 {
		return core.Errorf(core.KindNotFound, "the log's latest checkpoint (size %d) has no entry about %s", size, quote.Untrusted(name))
	}
	return templates.Render(w, r, p, http.StatusOK, "package", webkit.Data{Title: name + " in the transparency log", Body: packageBody{Name: name, Size: size, Entries: es}})
}
