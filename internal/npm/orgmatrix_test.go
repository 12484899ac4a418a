package npm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/server"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/testclock"
)

// TestOrgMatrixOverHTTP runs the org matrix of authz's TestOrgMatrix
// through the npm endpoints of the real handler, so that the wiring (what
// each endpoint loads and asks) is proved, not only the function: every
// role × every action, each cell's status checked against the roles
// allowed, on a store that fails any write without its event. Every role
// signs in with an npm login token, as the npm CLI does. (Moderation has
// no endpoint yet, and tokens for a scope grant nothing by themselves:
// authz's matrix covers both.)
func TestOrgMatrixOverHTTP(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.PublicURL = "https://registry.example/"
	cfg.InsecureFastPasswordHashing = true
	cfg.EmailDomains.Check = false
	cfg.Passwords.HIBPDisabled = true
	cfg.MFA.InsecureMaintainersWithoutMFA = true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	clock := testclock.New(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	log := slog.New(slog.DiscardHandler)
	svc, err := server.Open(ctx, cfg, server.Options{Log: log, Now: clock.Now, WrapStore: func(s store.Store) store.Store { return eventcheck.Wrap(t, s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(context.Background()) })
	h := server.Handler(svc, cfg, log)

	tokens := map[string]string{}
	users := []string{"owen", "ada", "wes", "rae", "nat", "otto", "moe", "sam", "tgt", "pat"}
	for i := range 40 {
		users = append(users, fmt.Sprintf("x%d", i))
	}
	for _, name := range users {
		u, err := svc.Identity.CreateUser(ctx, "", identity.NewUser{Name: name, Email: name + "@example.com", Password: "Org-matrix-passphrase-77", Verified: true, Admin: name == "sam"})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := svc.Authn.IssueSessionToken(ctx, u, netip.MustParseAddr("127.0.0.1"))
		if err != nil {
			t.Fatal(err)
		}
		tokens[name] = tok.Value
	}
	console := authz.Principal{User: &core.User{Name: "operator", Admin: true}, Console: true}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(svc.Orgs.SetModerator(ctx, console, "moe", true))
	must(svc.Orgs.Create(ctx, console, "acme", "owen"))
	must(svc.Orgs.RemoveTeamMember(ctx, console2(svc, t, "owen"), "acme", "developers", "owen"))
	owen := console2(svc, t, "owen")
	for _, m := range []struct {
		user string
		role core.OrgRole
	}{{"ada", core.OrgAdmin}, {"wes", core.OrgMember}, {"rae", core.OrgMember}, {"nat", core.OrgMember}, {"tgt", core.OrgMember}, {"pat", core.OrgMember}} {
		must(svc.Orgs.SetMember(ctx, owen, "acme", m.user, m.role))
	}
	for _, tm := range []string{"writers", "readers", "spare"} {
		must(svc.Orgs.CreateTeam(ctx, owen, "acme", tm, ""))
	}
	must(svc.Orgs.AddTeamMember(ctx, owen, "acme", "developers", "wes"))
	must(svc.Orgs.AddTeamMember(ctx, owen, "acme", "developers", "pat"))
	must(svc.Orgs.AddTeamMember(ctx, owen, "acme", "writers", "wes"))
	must(svc.Orgs.AddTeamMember(ctx, owen, "acme", "readers", "rae"))

	do := func(method, path, who string, body any) *httptest.ResponseRecorder {
		t.Helper()
		var b []byte
		switch v := body.(type) {
		case nil:
		case []byte:
			b = v
		default:
			b, _ = json.Marshal(v)
		}
		r := httptest.NewRequest(method, path, bytes.NewReader(b))
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("User-Agent", "npm/11.19.1 node/v20.20.2 linux x64 workspaces/false")
		r.Header.Set("Content-Type", "application/json")
		if who != "" {
			r.Header.Set("Authorization", "Bearer "+tokens[who])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	ok := func(w *httptest.ResponseRecorder, what string) {
		t.Helper()
		if w.Code >= 300 {
			t.Fatalf("%s: %d %s", what, w.Code, w.Body)
		}
	}
	// pat (developers) creates the packages and maintains them; owen
	// grants them to the teams.
	for _, name := range []string{"@acme/widget", "@acme/secret", "@acme/gadget"} {
		ok(do("PUT", "/"+strings.Replace(name, "/", "%2f", 1), "pat", publishBody(name, "1.0.0")), "publishing "+name)
	}
	ok(do("POST", "/-/package/@acme%2fsecret/access", "pat", map[string]string{"access": "restricted"}), "restricting @acme/secret")
	for _, g := range []struct {
		team, pkg string
		perm      core.Permission
	}{{"writers", "@acme/widget", core.PermReadWrite}, {"readers", "@acme/widget", core.PermReadOnly}, {"writers", "@acme/secret", core.PermReadWrite}, {"readers", "@acme/secret", core.PermReadOnly}} {
		must(svc.Orgs.Grant(ctx, owen, "acme", g.team, core.NPM(g.pkg), g.perm))
	}

	roles := []string{"ada", "wes", "rae", "nat", "otto", "moe", "sam", "", "owen"} // owen last: org delete is the last action
	name := map[string]string{"owen": "org owner", "ada": "org admin", "wes": "member, read-write team", "rae": "member, read-only team",
		"nat": "member, no team", "otto": "non-member", "moe": "site moderator", "sam": "site admin", "": "anonymous"}
	n := 0
	next := func() int { n++; return n }
	spare := func() string { return fmt.Sprintf("x%d", next()%40) }
	rev := func() string {
		w := do("GET", "/@acme%2fwidget?write=true", "pat", nil)
		ok(w, "reading widget for writing")
		var doc struct {
			Rev string `json:"_rev"`
		}
		json.Unmarshal(w.Body.Bytes(), &doc)
		return doc.Rev
	}
	members := []string{"owen", "ada", "wes", "rae", "nat"}
	// withTOTP turns TOTP on for every role, once: the staging cells
	// need a second factor, the cells before them ran without one.
	secrets := map[string]string{}
	withTOTP := func() {
		if len(secrets) > 0 {
			return
		}
		for _, who := range roles {
			if who == "" {
				continue
			}
			p := console2(svc, t, who)
			p.SignedInAt, p.Now = clock.Now(), clock.Now()
			en, err := svc.Factors.BeginTOTP(ctx, p)
			must(err)
			_, err = svc.Factors.ConfirmTOTP(ctx, p, totpCode(t, en.Secret, clock.Now()))
			must(err)
			secrets[who] = en.Secret
		}
	}
	// doOTP is do with npm's --otp: a code of who's, in a fresh period
	// (a code is spent once).
	doOTP := func(method, path, who string, body any) *httptest.ResponseRecorder {
		t.Helper()
		clock.Advance(30 * time.Second)
		b, _ := json.Marshal(body)
		r := httptest.NewRequest(method, path, bytes.NewReader(b))
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("User-Agent", "npm/11.19.1 node/v20.20.2 linux x64 workspaces/false")
		r.Header.Set("Content-Type", "application/json")
		if who != "" {
			r.Header.Set("Authorization", "Bearer "+tokens[who])
			r.Header.Set("npm-otp", totpCode(t, secrets[who], clock.Now()))
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	// staged is the id of a version pat (a maintainer) has just staged.
	staged := func() string {
		t.Helper()
		w := do("POST", "/-/stage/package/@acme%2fwidget", "pat", publishBody("@acme/widget", fmt.Sprintf("5.0.%d", next())))
		ok(w, "staging a version as pat")
		var r struct {
			StageID string `json:"stageId"`
		}
		must(json.Unmarshal(w.Body.Bytes(), &r))
		return r.StageID
	}
	actions := []struct {
		name    string
		allowed []string
		setup   func() // as owen or wes, before each cell
		req     func(who string) *httptest.ResponseRecorder
	}{
		{"read restricted package", []string{"owen", "ada", "wes", "rae"}, nil, func(who string) *httptest.ResponseRecorder {
			return do("GET", "/@acme%2fsecret", who, nil)
		}},
		{"create package in scope", []string{"wes"}, nil, func(who string) *httptest.ResponseRecorder {
			name := fmt.Sprintf("@acme/new-%d", next())
			return do("PUT", "/"+strings.Replace(name, "/", "%2f", 1), who, publishBody(name, "1.0.0"))
		}},
		{"publish", []string{"wes"}, nil, func(who string) *httptest.ResponseRecorder {
			return do("PUT", "/@acme%2fwidget", who, publishBody("@acme/widget", fmt.Sprintf("1.1.%d", next())))
		}},
		{"dist-tag", []string{"wes"}, nil, func(who string) *httptest.ResponseRecorder {
			return do("PUT", fmt.Sprintf("/-/package/@acme%%2fwidget/dist-tags/t%d", next()), who, []byte(`"1.0.0"`))
		}},
		{"deprecate", []string{"wes"}, nil, func(who string) *httptest.ResponseRecorder {
			w := do("GET", "/@acme%2fwidget?write=true", "pat", nil)
			var doc map[string]any
			json.Unmarshal(w.Body.Bytes(), &doc)
			doc["versions"].(map[string]any)["1.0.0"].(map[string]any)["deprecated"] = fmt.Sprintf("use 2 (%d)", next())
			delete(doc, "_attachments")
			b, _ := json.Marshal(doc)
			return do("PUT", "/@acme%2fwidget", who, b)
		}},
		{"unpublish a version", []string{"wes"}, nil, func(who string) *httptest.ResponseRecorder {
			v := fmt.Sprintf("3.0.%d", next())
			ok(do("PUT", "/@acme%2fwidget", "pat", publishBody("@acme/widget", v)), "publishing "+v)
			return do("DELETE", "/@acme%2fwidget/-/widget-"+v+".tgz/-rev/"+rev(), who, nil)
		}},
		{"owner change", []string{"owen", "ada"}, nil, func(who string) *httptest.ResponseRecorder {
			// npm owner add tgt @acme/widget (a member in no team); undone
			// by owen when it works.
			owners := func(names ...string) map[string]any {
				var ms []map[string]string
				for _, n := range names {
					ms = append(ms, map[string]string{"name": n, "email": n + "@example.com"})
				}
				return map[string]any{"_id": "@acme/widget", "_rev": rev(), "maintainers": ms}
			}
			w := do("PUT", "/@acme%2fwidget/-rev/"+rev(), who, owners("pat", "tgt"))
			if w.Code < 300 {
				ok(do("PUT", "/@acme%2fwidget/-rev/"+rev(), "owen", owners("pat")), "undoing the owner change")
			}
			return w
		}},
		{"access change", []string{"owen", "ada"}, nil, func(who string) *httptest.ResponseRecorder {
			return do("POST", "/-/package/@acme%2fwidget/access", who, map[string]string{"access": "public"})
		}},
		{"org ls", members, nil, func(who string) *httptest.ResponseRecorder { return do("GET", "/-/org/acme/user", who, nil) }},
		{"team ls", members, nil, func(who string) *httptest.ResponseRecorder { return do("GET", "/-/org/acme/team", who, nil) }},
		{"access list packages of a team", members, nil, func(who string) *httptest.ResponseRecorder {
			return do("GET", "/-/team/acme/writers/package", who, nil)
		}},
		{"org set (add member)", []string{"owen"}, nil, func(who string) *httptest.ResponseRecorder {
			return do("PUT", "/-/org/acme/user", who, map[string]string{"user": spare(), "role": "developer"})
		}},
		{"org set (add owner)", []string{"owen"}, nil, func(who string) *httptest.ResponseRecorder {
			u := spare()
			w := do("PUT", "/-/org/acme/user", who, map[string]string{"user": u, "role": "owner"})
			if w.Code < 300 {
				must(svc.Orgs.RemoveMember(ctx, owen, "acme", u))
			}
			return w
		}},
		{"org set (change role)", []string{"owen"}, nil, func(who string) *httptest.ResponseRecorder {
			w := do("PUT", "/-/org/acme/user", who, map[string]string{"user": "tgt", "role": "admin"})
			must(svc.Orgs.SetMember(ctx, owen, "acme", "tgt", core.OrgMember))
			return w
		}},
		{"org rm", []string{"owen"}, nil, func(who string) *httptest.ResponseRecorder {
			u := spare()
			must(svc.Orgs.SetMember(ctx, owen, "acme", u, core.OrgMember))
			return do("DELETE", "/-/org/acme/user", who, map[string]string{"user": u})
		}},
		{"team create", []string{"owen", "ada"}, nil, func(who string) *httptest.ResponseRecorder {
			return do("PUT", "/-/org/acme/team", who, map[string]string{"name": fmt.Sprintf("team%d", next())})
		}},
		{"team add", []string{"owen", "ada"}, nil, func(who string) *httptest.ResponseRecorder {
			return do("PUT", "/-/team/acme/spare/user", who, map[string]string{"user": "tgt"})
		}},
		{"team rm", []string{"owen", "ada"}, nil, func(who string) *httptest.ResponseRecorder {
			must(svc.Orgs.AddTeamMember(ctx, owen, "acme", "spare", "tgt"))
			return do("DELETE", "/-/team/acme/spare/user", who, map[string]string{"user": "tgt"})
		}},
		{"team destroy", []string{"owen", "ada"}, nil, func(who string) *httptest.ResponseRecorder {
			tm := fmt.Sprintf("gone%d", next())
			must(svc.Orgs.CreateTeam(ctx, owen, "acme", tm, ""))
			return do("DELETE", "/-/team/acme/"+tm, who, nil)
		}},
		{"access grant read-only", []string{"owen", "ada"}, nil, func(who string) *httptest.ResponseRecorder {
			must(revokeIfAny(svc, owen))
			return do("PUT", "/-/team/acme/spare/package", who, map[string]string{"package": "@acme/gadget", "permissions": "read-only"})
		}},
		{"access grant read-write", []string{"owen", "ada"}, nil, func(who string) *httptest.ResponseRecorder {
			must(revokeIfAny(svc, owen))
			return do("PUT", "/-/team/acme/spare/package", who, map[string]string{"package": "@acme/gadget", "permissions": "read-write"})
		}},
		{"access revoke", []string{"owen", "ada"}, nil, func(who string) *httptest.ResponseRecorder {
			must(revokeIfAny(svc, owen))
			must(svc.Orgs.Grant(ctx, owen, "acme", "spare", core.NPM("@acme/gadget"), core.PermReadOnly))
			return do("DELETE", "/-/team/acme/spare/package", who, map[string]string{"package": "@acme/gadget"})
		}},
		// Staged and trusted publishing on an org package. These need a
		// second factor: every role turns TOTP on first (withTOTP), and
		// sends a fresh code as npm's --otp.
		{"stage publish", []string{"wes"}, nil, func(who string) *httptest.ResponseRecorder {
			withTOTP()
			return do("POST", "/-/stage/package/@acme%2fwidget", who, publishBody("@acme/widget", fmt.Sprintf("4.0.%d", next())))
		}},
		{"stage view", []string{"wes"}, nil, func(who string) *httptest.ResponseRecorder {
			return do("GET", "/-/stage/"+staged(), who, nil)
		}},
		{"stage approve (with --otp)", []string{"wes"}, nil, func(who string) *httptest.ResponseRecorder {
			return doOTP("POST", "/-/stage/"+staged()+"/approve", who, nil)
		}},
		{"stage reject (with --otp)", []string{"wes"}, nil, func(who string) *httptest.ResponseRecorder {
			return doOTP("DELETE", "/-/stage/"+staged(), who, nil)
		}},
		{"stage policy (web only; the service)", []string{"owen", "ada"}, nil, func(who string) *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			p := console2(svc, t, who)
			if p.User != nil {
				p.MFA, p.MFAVerifiedAt, p.SignedInAt, p.Now = true, clock.Now(), clock.Now(), clock.Now()
			}
			if err := svc.Stage.SetPolicy(ctx, p, "@acme/widget", core.StageCI); err != nil {
				w.WriteHeader(403)
				w.WriteString(err.Error())
			}
			return w
		}},
		{"trust github (with --otp)", []string{"owen", "ada"}, nil, func(who string) *httptest.ResponseRecorder {
			return doOTP("POST", "/-/package/@acme%2fwidget/trust", who, []map[string]any{{"type": "github",
				"claims": map[string]any{"repository": fmt.Sprintf("acme/widget%d", next()), "workflow_ref": map[string]any{"file": "release.yml"}}}})
		}},
		{"org delete (web only; the service)", []string{"owen"}, nil, nil},
	}
	for _, a := range actions {
		for _, who := range roles {
			var code int
			var body string
			if a.req == nil {
				p := console2(svc, t, who)
				err := svc.Orgs.Delete(ctx, p, "acme")
				code, body = 200, ""
				if err != nil {
					code, body = 403, err.Error()
				}
			} else {
				w := a.req(who)
				code, body = w.Code, w.Body.String()
			}
			want := slices.Contains(a.allowed, who)
			if want && code >= 300 {
				t.Errorf("%s × %s: %d %s, want allowed", name[who], a.name, code, body)
			}
			if !want && code < 400 {
				t.Errorf("%s × %s: %d %s, ALLOWED: want refused (escalation)", name[who], a.name, code, body)
			}
			if !want && code >= 500 {
				t.Errorf("%s × %s: %d %s, want a refusal, not a server error", name[who], a.name, code, body)
			}
		}
	}
}

// console2 is the principal of user name as a signed-in browser with no
// second factor, for the setup and for actions the npm CLI has no
// command for (deleting an org); nil user for "".
func console2(svc *server.Services, t *testing.T, name string) authz.Principal {
	t.Helper()
	if name == "" {
		return authz.Principal{}
	}
	u, err := svc.Identity.User(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return authz.Principal{User: u, SessionID: "test", Now: time.Now()}
}

func revokeIfAny(svc *server.Services, owen authz.Principal) error {
	err := svc.Orgs.Revoke(context.Background(), owen, "acme", "spare", core.NPM("@acme/gadget"))
	if err != nil && core.KindOf(err) == core.KindNotFound {
		return nil
	}
	return err
}

// totpCode is the authenticator app's code for secret at now.
func totpCode(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, now, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
