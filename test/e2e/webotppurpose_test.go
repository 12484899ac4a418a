package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/rampart/rampart/internal/testpeers/softkey"
	"github.com/rampart/rampart/internal/testserver"
)

// passkeyHolder answers WebAuthn ceremonies for one account with a
// software passkey, the way webauthn.js drives a real one.
type passkeyHolder struct {
	t    *testing.T
	rp   virtualwebauthn.RelyingParty
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

func newPasskeyHolder(t *testing.T, s *testserver.Server) *passkeyHolder {
	origin := strings.TrimSuffix(s.URL, "/")
	return &passkeyHolder{t: t, rp: virtualwebauthn.RelyingParty{ID: "localhost", Name: "Rampart", Origin: origin},
		auth: virtualwebauthn.NewAuthenticator(), cred: softkey.NewCredential(t)}
}

// postJSON posts body to one of the registry's WebAuthn endpoints from w
// and decodes the JSON answer; it fails the test unless the status is 200.
func postJSON(t *testing.T, w *webClient, target string, body any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", target, strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: status %d, %v:\n%s", target, resp.StatusCode, err, out)
	}
	return out
}

// register adds the passkey to the account w is signed in to.
func (k *passkeyHolder) register(s *testserver.Server, w *webClient) {
	k.t.Helper()
	opts := postJSON(k.t, w, s.URL+"-/webauthn/register/begin", map[string]string{"kind": "passkey"})
	ao, err := virtualwebauthn.ParseAttestationOptions(string(opts))
	if err != nil {
		k.t.Fatal(err)
	}
	k.auth.Options.UserHandle = []byte(ao.UserID)
	resp := virtualwebauthn.CreateAttestationResponse(k.rp, k.auth, k.cred, *ao)
	postJSON(k.t, w, s.URL+"-/webauthn/register/finish", map[string]any{"kind": "passkey", "name": "Phone", "credential": json.RawMessage(resp)})
	k.auth.AddCredential(k.cred)
}

// signIn signs w in with the passkey alone.
func (k *passkeyHolder) signIn(s *testserver.Server, w *webClient) {
	k.t.Helper()
	opts := postJSON(k.t, w, s.URL+"-/webauthn/passkey/begin", map[string]string{})
	ao, err := virtualwebauthn.ParseAssertionOptions(string(opts))
	if err != nil {
		k.t.Fatal(err)
	}
	k.cred.Counter++
	resp := virtualwebauthn.CreateAssertionResponse(k.rp, k.auth, k.cred, *ao)
	postJSON(k.t, w, s.URL+"-/webauthn/passkey/finish", map[string]any{"credential": json.RawMessage(resp), "next": "/account"})
}

// TestWebOTPIsOnlyForNPMWrites: alice's only second factor is a passkey,
// so npm's writes get the web OTP challenge: she approves in the browser
// with the passkey and the CLI's poll gets a one-time value for that
// write. That value must not stand in for her second factor anywhere
// else: not at the browser sign-in's second step (someone with her
// password would get a full session with a fresh factor), not on the
// confirm page. It stays good for the npm write it was issued for.
func TestWebOTPIsOnlyForNPMWrites(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	key := newPasskeyHolder(t, s)
	enrol := newBrowser(t, s, firefoxUA)
	signInWithPassword(t, s, enrol, "alice", alicePW)
	key.register(s, enrol)
	waitForMail(t, s, "alice@example.com", "passkey")

	// An npm write answers with the web OTP challenge.
	tokens := do(t, "POST", s.URL+"-/npm/v1/tokens", alice.Token(), map[string]any{"password": alicePW, "readonly": false, "cidr_whitelist": []string{}})
	challenge := tokens.JSON(t)
	authURL, _ := challenge["authUrl"].(string)
	doneURL, _ := challenge["doneUrl"].(string)
	if tokens.Status != http.StatusUnauthorized || authURL == "" || doneURL == "" {
		t.Fatalf("npm token create without a code: status %d, want the web OTP challenge:\n%s", tokens.Status, tokens.Body)
	}
	// alice approves it, signed in with her passkey.
	holder := newBrowser(t, s, firefoxUA)
	key.signIn(s, holder)
	holder.mustShow(authURL, "Approve npm command")
	if status, body := holder.do("POST", strings.TrimSuffix(authURL, "?purpose=otp"), url.Values{}); status != http.StatusOK {
		t.Fatalf("approving the npm command: status %d:\n%s", status, body)
	}
	done := do(t, "GET", doneURL, "", nil)
	otp, _ := done.JSON(t)["token"].(string)
	if done.Status != http.StatusOK || otp == "" {
		t.Fatalf("polling the web OTP: status %d:\n%s", done.Status, done.Body)
	}

	// The browser sign-in's second step refuses it.
	thief := newBrowser(t, s, chromeUA)
	status, body := thief.do("POST", s.URL+"login", url.Values{"name": {"alice"}, "password": {alicePW}, "next": {"/account"}})
	if status != http.StatusOK || !strings.Contains(body, "Two-factor authentication") {
		t.Fatalf("sign in with the password: want the second step, got status %d:\n%s", status, body)
	}
	status, body = thief.do("POST", s.URL+"login/otp", url.Values{"code": {otp}, "next": {"/account"}})
	if status == http.StatusSeeOther || strings.Contains(body, signedInAs("alice")) {
		t.Fatalf("the web OTP value signed a browser in (status %d):\n%s", status, body)
	}
	if _, body := thief.do("GET", s.URL+"account", nil); strings.Contains(body, signedInAs("alice")) {
		t.Fatal("the browser that sent the web OTP value is signed in")
	}

	// The confirm page (step-up) refuses it.
	status, body = holder.do("POST", s.URL+"account/confirm", url.Values{"code": {otp}, "next": {"/account"}})
	if status == http.StatusSeeOther {
		t.Fatalf("the confirm page accepted the web OTP value:\n%s", body)
	}

	// npm's write, the purpose it was issued for, still takes it, once.
	r := alice.MustRun("", "token", "create", "--password", alicePW, "--otp="+otp)
	mustContain(t, r.Stdout, "Created token rmp_")
	mustFail(t, alice.Run("", "token", "create", "--password", alicePW, "--otp="+otp))
}
