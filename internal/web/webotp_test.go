package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/secondfactor"
	"github.com/rampart/rampart/internal/testpeers/softkey"
)

var webOTPRP = virtualwebauthn.RelyingParty{ID: "registry.example", Name: "Rampart", Origin: "https://registry.example"}

// TestNPMWebOTP: an account whose only second factor is a passkey gets
// npm's web OTP challenge on a write (401, WWW-Authenticate: OTP, authUrl
// and doneUrl); the browser approves with the passkey, the poll answers a
// value, and that value works once as npm-otp.
func TestNPMWebOTP(t *testing.T) {
	e := newEnv(t, "https://registry.example/")
	svc := e.svc
	ctx := t.Context()
	addr := netip.MustParseAddr("192.0.2.1")
	u := e.user("dave")
	session, err := svc.Authn.StartWebSession(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	p := svc.Authn.WebPrincipal(ctx, session, addr)
	auth := virtualwebauthn.NewAuthenticator()
	cred := softkey.NewCredential(t)
	o, err := svc.Factors.BeginRegisterKey(ctx, p, secondfactor.KeyPasskey)
	if err != nil {
		t.Fatal(err)
	}
	ao, err := virtualwebauthn.ParseAttestationOptions(string(o.Options))
	if err != nil {
		t.Fatal(err)
	}
	auth.Options.UserHandle = []byte(ao.UserID)
	if _, err := svc.Factors.FinishRegisterKey(ctx, p, o.Ceremony, secondfactor.KeyPasskey, "Phone", []byte(virtualwebauthn.CreateAttestationResponse(webOTPRP, auth, cred, *ao))); err != nil {
		t.Fatal(err)
	}
	auth.AddCredential(cred)
	counter := uint32(0)
	passkeySession := func() authz.Principal {
		t.Helper()
		o, err := svc.Factors.BeginPasskeySignIn(ctx, netip.MustParseAddr("192.0.2.1"))
		if err != nil {
			t.Fatal(err)
		}
		opts, err := virtualwebauthn.ParseAssertionOptions(string(o.Options))
		if err != nil {
			t.Fatal(err)
		}
		counter++
		cred.Counter = counter
		_, v, err := svc.Authn.FinishPasskeySignIn(ctx, o.Ceremony, []byte(virtualwebauthn.CreateAssertionResponse(webOTPRP, auth, cred, *opts)), addr)
		if err != nil {
			t.Fatal(err)
		}
		return svc.Authn.WebPrincipal(ctx, v, addr)
	}
	secret := func(url, prefix string) string {
		t.Helper()
		rest, ok := strings.CutPrefix(url, "https://registry.example/"+prefix)
		if !ok {
			t.Fatalf("URL %q does not start with %s", url, prefix)
		}
		id, _, _ := strings.Cut(rest, "?")
		return id
	}

	// npm's web login gives the CLI a token.
	urls, err := svc.Authn.StartCLILogin(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Authn.ApproveCLILogin(ctx, passkeySession(), secret(urls.LoginURL, authn.PathCLILogin)); err != nil {
		t.Fatal(err)
	}
	tok, _, err := svc.Authn.PollCLILogin(ctx, secret(urls.DoneURL, authn.PathCLIDone))
	if err != nil {
		t.Fatal(err)
	}

	write := func(otp string) *httptest.ResponseRecorder {
		t.Helper()
		r := httptest.NewRequest(http.MethodPut, "/-/package/webotp-pkg/dist-tags/beta", strings.NewReader(`"1.0.0"`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+tok.Value)
		if otp != "" {
			r.Header.Set("npm-otp", otp)
		}
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		return w
	}
	e.publish(u, pkgSpec{name: "webotp-pkg", version: "1.0.0"})

	// The write asks for the web OTP.
	w := write("")
	wantStatus(t, w, http.StatusUnauthorized)
	if got := w.Header().Get("WWW-Authenticate"); got != "OTP" {
		t.Fatalf("WWW-Authenticate %q", got)
	}
	var ch struct{ Error, AuthURL, DoneURL string }
	if err := json.Unmarshal(w.Body.Bytes(), &ch); err != nil || ch.Error == "" {
		t.Fatalf("challenge %s: %v", w.Body, err)
	}
	ch.AuthURL, ch.DoneURL = jsonField(t, w, "authUrl"), jsonField(t, w, "doneUrl")
	if !strings.HasSuffix(ch.AuthURL, "?purpose=otp") || !strings.HasPrefix(ch.DoneURL, "https://registry.example/-/v1/done/") {
		t.Fatalf("challenge URLs %q %q", ch.AuthURL, ch.DoneURL)
	}
	donePath := strings.TrimPrefix(ch.DoneURL, "https://registry.example")

	// Pending until the browser approves; then the value, once.
	wantStatus(t, e.npmJSON("GET", donePath, ""), http.StatusAccepted)
	loginID := secret(ch.AuthURL, authn.PathCLILogin)
	page := e.browserGet("/"+authn.PathCLILogin+loginID, &http.Cookie{Name: "__Host-rampart_session", Value: session})
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page.Body.String(), "Approve npm command")

	other := e.user("mallory")
	ms, err := svc.Authn.StartWebSession(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Authn.ApproveCLILogin(ctx, svc.Authn.WebPrincipal(ctx, ms, addr), loginID); err == nil {
		t.Fatal("another account approved the web OTP")
	}
	if err := svc.Authn.ApproveCLILogin(ctx, passkeySession(), loginID); err != nil {
		t.Fatal(err)
	}
	done := e.npmJSON("GET", donePath, "")
	wantStatus(t, done, http.StatusOK)
	value := jsonField(t, done, "token")
	wantStatus(t, e.npmJSON("GET", donePath, ""), http.StatusNotFound)

	wantStatus(t, write(value), http.StatusOK)
	// Spent: the next write is challenged again.
	w = write(value)
	wantStatus(t, w, http.StatusUnauthorized)
	if jsonField(t, w, "authUrl") == ch.AuthURL {
		t.Fatal("the same challenge twice")
	}
}

func jsonField(t *testing.T, w *httptest.ResponseRecorder, k string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("%s: %v", w.Body, err)
	}
	s, _ := m[k].(string)
	return s
}
