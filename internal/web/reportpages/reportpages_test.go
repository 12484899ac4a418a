package reportpages

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/httperr"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/report"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/throttle"
	"github.com/rampart/rampart/internal/web/webkit"
)

// shell is the web UI's shell as far as these pages need it: every
// request is served for the principal the test sets.
type shell struct {
	mux *http.ServeMux
	p   authz.Principal
}

func (s *shell) Handle(pattern string, f webkit.PageFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r, s.p); err != nil {
			w.WriteHeader(s.Status(w, r, err))
			w.Write([]byte("error: " + core.Message(err)))
		}
	})
}
func (s *shell) Status(w http.ResponseWriter, r *http.Request, err error) int {
	return httperr.Status(core.KindOf(err))
}
func (s *shell) StepUpRedirect(http.ResponseWriter, *http.Request, authz.Principal, error) bool {
	return false
}

type packages struct{}

func (packages) View(_ context.Context, _ authz.Principal, name string) (*registry.PackageView, error) {
	if name != "left-pad" {
		return nil, core.Errorf(core.KindNotFound, "no such package")
	}
	return &registry.PackageView{Versions: []registry.VersionInfo{{Version: "1.1.0"}, {Version: "1.0.0"}}, DistTags: map[string]string{"latest": "1.1.0"}}, nil
}

// The pages render every state: the form with a refusal, the filed page,
// the queue empty and full, an item open and closed (dismissed), its
// evidence link for the package's latest version.
func TestPages(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	users := map[string]*core.User{}
	for _, name := range []string{"alice", "mod"} {
		u := &core.User{Name: name, Email: name + "@example.com", EmailVerified: true, Moderator: name == "mod", CreatedAt: now}
		if err := db.Update(t.Context(), func(tx store.Tx) error { return tx.CreateUser(u) }); err != nil {
			t.Fatal(err)
		}
		users[name] = u
	}
	lookup := func(ctx context.Context, p authz.Principal, name, version string) error {
		_, err := packages{}.View(ctx, p, name)
		return err
	}
	svc := report.New(db, report.Config{PublicURL: "https://r.example/", Ecosystem: "npm", Lookup: lookup, Limiter: throttle.New(db, clock, 5, time.Minute)}, clock, nil)
	sh := &shell{mux: http.NewServeMux()}
	New(svc, packages{}).Mount(sh)
	get := func(p authz.Principal, method, target string, form url.Values) (int, string) {
		sh.p = p
		var body *strings.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
		}
		req := httptest.NewRequest(method, target, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		w := httptest.NewRecorder()
		sh.mux.ServeHTTP(w, req)
		return w.Code, w.Body.String()
	}
	alice := authz.Principal{User: users["alice"], Now: now}
	mod := authz.Principal{User: users["mod"], Now: now, HasKey: true, MFA: true, PhishingResistantAt: now}
	want := func(code int, body string, status int, wants ...string) {
		t.Helper()
		if code != status {
			t.Errorf("status %d, want %d:\n%s", code, status, body)
		}
		for _, w := range wants {
			if !strings.Contains(body, w) {
				t.Errorf("page lacks %q:\n%s", w, body)
			}
		}
	}

	code, _ := get(authz.Principal{}, "GET", "/report?package=left-pad", nil)
	if code != http.StatusSeeOther {
		t.Errorf("anonymous report form: %d", code)
	}
	code, body := get(alice, "GET", "/report?package=left-pad&version=1.0.0", nil)
	want(code, body, 200, `<option value="1.0.0" selected>1.0.0</option>`, "malicious code (malware)")
	code, body = get(alice, "POST", "/report", url.Values{"package": {"nope"}, "reason": {"spam"}})
	want(code, body, 404, `id="report-error"`, "there is no package &#34;nope&#34;")
	code, body = get(alice, "POST", "/report", url.Values{"package": {"left-pad"}, "reason": {"spam"}, "description": {"<script>ads</script>"}})
	want(code, body, 200, `id="report-filed"`, "left-pad</strong> was sent", "moderators were notified")

	code, body = get(alice, "GET", "/moderation/reports", nil)
	want(code, body, 403)
	code, body = get(mod, "GET", "/moderation/reports", nil)
	want(code, body, 200, `<a href="/moderation/reports/1">left-pad</a>`, "&lt;script&gt;ads&lt;/script&gt;")
	code, body = get(mod, "GET", "/moderation/reports/1", nil)
	want(code, body, 200, "1 reporter", `href="/moderation/package/left-pad/v/1.1.0"`, "latest version, 1.1.0", `id="reply-text"`, "None yet.")
	code, body = get(mod, "POST", "/moderation/reports/1/close", url.Values{"outcome": {"dismissed"}})
	if code != http.StatusSeeOther {
		t.Fatalf("close: %d %s", code, body)
	}
	code, body = get(mod, "GET", "/moderation/reports/1", nil)
	want(code, body, 200, `class="closed"`, "dismissed", "found nothing that breaks")
	if strings.Contains(body, `id="reply-text"`) {
		t.Error("a closed item still offers the reply form")
	}
	code, body = get(mod, "GET", "/moderation/reports", nil)
	want(code, body, 200, `id="no-reports"`)
	code, body = get(mod, "GET", "/moderation/reports?state=dismissed", nil)
	want(code, body, 200, "left-pad")
	code, body = get(mod, "GET", "/moderation/reports/99", nil)
	want(code, body, 404)
	code, body = get(mod, "GET", "/moderation/reports/x", nil)
	want(code, body, 404)
}
