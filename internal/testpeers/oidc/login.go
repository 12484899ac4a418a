package oidc

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// A company identity provider for browser sign-in (the authorization-code
// flow with PKCE, as Keycloak, Dex or Okta run it): /authorize approves
// the configured user at once and redirects with a code and the state;
// /token exchanges the code (client_secret_basic or _post, the PKCE
// verifier checked) for a signed ID token carrying the user's claims and
// the nonce.

// LoginUser is who /authorize signs in.
type LoginUser struct {
	Subject       string
	Email         string
	EmailVerified bool
	Username      string
	Groups        []string
}

type loginState struct {
	clientID, secret string
	user             LoginUser
	codes            map[string]pendingCode
	// edit changes the ID token's claims before signing (a wrong nonce,
	// a wrong audience); nil for none.
	edit func(map[string]any)
}

type pendingCode struct {
	clientID, redirect, challenge, nonce string
	user                                 LoginUser
}

// SetClient registers the relying party (the registry).
func (s *Server) SetClient(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loginState().clientID, s.loginState().secret = id, secret
}

// SetUser sets who the next /authorize signs in.
func (s *Server) SetUser(u LoginUser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loginState().user = u
}

// EditIDToken changes the claims of the ID tokens /token mints (nil to
// stop).
func (s *Server) EditIDToken(f func(claims map[string]any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loginState().edit = f
}

func (s *Server) loginState() *loginState {
	if s.login == nil {
		s.login = &loginState{codes: map[string]pendingCode{}}
	}
	return s.login
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	ls := s.loginState()
	s.mu.Unlock()
	redirect := q.Get("redirect_uri")
	switch {
	case q.Get("client_id") != ls.clientID || ls.clientID == "":
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code" || redirect == "":
		http.Error(w, "response_type=code and redirect_uri are required", http.StatusBadRequest)
		return
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		http.Error(w, "PKCE (S256) is required", http.StatusBadRequest)
		return
	case !strings.Contains(" "+q.Get("scope")+" ", " openid "):
		http.Error(w, "scope must include openid", http.StatusBadRequest)
		return
	}
	code := randomString()
	s.mu.Lock()
	ls.codes[code] = pendingCode{clientID: ls.clientID, redirect: redirect, challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), user: ls.user}
	s.mu.Unlock()
	to, err := url.Parse(redirect)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	rq := to.Query()
	rq.Set("code", code)
	rq.Set("state", q.Get("state"))
	to.RawQuery = rq.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSONStatus(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.mu.Lock()
	ls := s.loginState()
	pc, found := ls.codes[r.PostForm.Get("code")]
	delete(ls.codes, r.PostForm.Get("code")) // a code is used once
	edit := ls.edit
	clientOK := id == ls.clientID && subtle.ConstantTimeCompare([]byte(secret), []byte(ls.secret)) == 1
	s.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case !clientOK:
		writeJSONStatus(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	case r.PostForm.Get("grant_type") != "authorization_code" || !found || pc.redirect != r.PostForm.Get("redirect_uri"):
		writeJSONStatus(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != pc.challenge:
		writeJSONStatus(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "PKCE verifier does not match"})
		return
	}
	now := time.Now()
	claims := map[string]any{
		"iss": s.URL, "aud": pc.clientID, "sub": pc.user.Subject, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"nonce": pc.nonce, "email": pc.user.Email, "email_verified": pc.user.EmailVerified,
		"preferred_username": pc.user.Username, "groups": pc.user.Groups,
	}
	if edit != nil {
		edit(claims)
	}
	writeJSON(w, map[string]any{"access_token": randomString(), "token_type": "Bearer", "expires_in": 300, "id_token": s.Mint(Token{Claims: claims})})
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
