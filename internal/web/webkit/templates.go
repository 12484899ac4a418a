package webkit

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

//go:embed layout.html
var layoutFile embed.FS

// Data is what the layout needs, plus the page's own Body.
type Data struct {
	Title string
	User  string // the signed-in user; "" when anonymous (Render sets it)
	Staff bool   // the user is a moderator or an admin (Render sets it)
	Admin bool   // the user is an admin (Render sets it)
	Query string // the text in the header's search box
	Next  string // where signing in returns to
	Body  any
}

// Funcs are the template functions every page may use.
var Funcs = template.FuncMap{
	"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"datetime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"count":    FormatCount,
	"ciName":   CIName,
}

// Templates holds one template set per page: the layout plus the page's
// "content", by the page file's name without ".html".
type Templates map[string]*template.Template

// Parse parses every dir/*.html of fsys as a page with the layout, with
// Funcs and extra. The templates are embedded, so a parse error is a bug
// the tests catch: Parse panics on it.
func Parse(fsys fs.FS, dir string, extra template.FuncMap) Templates {
	funcs := template.FuncMap{}
	for k, v := range Funcs {
		funcs[k] = v
	}
	for k, v := range extra {
		funcs[k] = v
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(layoutFile, "layout.html"))
	names, err := fs.Glob(fsys, dir+"/*.html")
	if err != nil {
		panic(err)
	}
	out := Templates{}
	for _, n := range names {
		t := template.Must(template.Must(layout.Clone()).ParseFS(fsys, n))
		out[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return out
}

// Render writes the page name with status for principal p.
func (ts Templates) Render(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, name string, d Data) error {
	t, ok := ts[name]
	if !ok {
		return core.Errorf(core.KindInternal, "no template %q", name)
	}
	d.User = p.Name()
	d.Staff = p.User != nil && (p.User.Moderator || p.User.Admin)
	d.Admin = p.User != nil && p.User.Admin
	if d.Next == "" {
		d.Next = "/"
		if r.Method == http.MethodGet && r.URL.Path != PathLogin {
			d.Next = SafeNext(r.URL.RequestURI())
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", d); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes()) // an error here is a client gone away: nothing to tell it
	return nil
}
