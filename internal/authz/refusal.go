package authz

import (
	"errors"

	"github.com/rampart/rampart/internal/core"
)

// Reason says why Authorize refused, for the refusals whose advice names
// a command of the user's client. The decision is the same for every
// ecosystem; only the advice differs (`npm login` for npm, something
// else for the go command), so authz returns the reason with its data and
// each front-end words the advice through its Hints.
type Reason string

const (
	ReasonNotLoggedIn        Reason = "not_logged_in"        // no credentials for a write
	ReasonNotMaintainer      Reason = "not_maintainer"       // Package names the package
	ReasonCriticalNeedsKey   Reason = "critical_needs_key"   // a critical package needs a security key or passkey
	ReasonTokenNoTokens      Reason = "token_cannot_tokens"  // an API token may not manage tokens or the account
	ReasonTokenNoAction      Reason = "token_lacks_action"   // the token's actions do not cover the action
	ReasonTokenOtherPackages Reason = "token_other_packages" // the token's packages do not cover Package
	ReasonPasswordBreached   Reason = "password_breached"    // the password was found in a data breach: change it first
	ReasonOTPRequired        Reason = "otp_required"         // allowed once a one-time password comes with the request (OTPNeeded)
)

// Hints words the advice of a refusal for one client: what its user runs
// to sign in, find a package's maintainers or create a token. Each
// front-end has one (the npm front-end and the web UI use npm's,
// internal/ecosystem/npm.Hints); a method returns the words that take its
// place in the message.
type Hints interface {
	// LogIn: how to sign in, after "logged in: " ("run `npm login`").
	LogIn() string
	// LogInWithKey: a sentence telling to sign in with a security key.
	LogInWithKey() string
	// LogInForTokens: how to get a session that manages tokens, before
	// " to create or revoke tokens".
	LogInForTokens() string
	// ListOwners: the command that lists pkg's maintainers.
	ListOwners(pkg string) string
	// CreateToken: the command that creates a token.
	CreateToken() string
	// CreateTokenFor: the command that creates a token limited to pkg
	// ("<name>" when the advice names no package).
	CreateTokenFor(pkg string) string
	// ChangePassword: how to change a password found in a data breach,
	// whose page is at url, after "your password appears in a known data
	// breach; " ("change it at <url>").
	ChangePassword(url string) string
	// SendOTP: how to send the one-time password a write needs, after
	// "This operation requires a one-time password: ", both with a code
	// from an authenticator app and with a security key or passkey.
	SendOTP() string
}

// neutral is the wording a refusal has when no front-end rewords it: what
// a log shows, and what a client without hints would read.
type neutral struct{}

func (neutral) LogIn() string                { return "sign in with your client" }
func (neutral) LogInWithKey() string         { return "Sign in with your key and try again" }
func (neutral) LogInForTokens() string       { return "sign in with your client" }
func (neutral) ListOwners(pkg string) string { return "the owner list of " + pkg }
func (neutral) CreateToken() string          { return "your client's token command" }
func (neutral) ChangePassword(url string) string {
	return "change it at " + url
}
func (neutral) SendOTP() string {
	return "send a current code from your authenticator app (or a recovery code) with the request; " +
		"if your only second factor is a security key or passkey, approve the request with it in the browser when your client asks"
}
func (neutral) CreateTokenFor(pkg string) string {
	return "your client's token command, limited to " + pkg
}

// Refusal is an error of Authorize that carries a Reason. It unwraps to
// the core error worded neutrally, so its kind and status are the same
// whether or not a front-end rewords it with Render.
type Refusal struct {
	Reason  Reason
	Package core.PackageRef // the package the refused action was aimed at, if any
	kind    core.Kind
	word    func(Hints) string
	err     error
}

func refuse(kind core.Kind, reason Reason, pkg core.PackageRef, word func(Hints) string) error {
	r := &Refusal{Reason: reason, Package: pkg, kind: kind, word: word}
	r.err = &core.Error{Kind: kind, Msg: word(neutral{})}
	return r
}

func (r *Refusal) Error() string { return r.err.Error() }
func (r *Refusal) Unwrap() error { return r.err }

// Message words the refusal for a client.
func (r *Refusal) Message(h Hints) string { return r.word(h) }

// Render returns err with any Refusal in it worded by h, as a core error
// of the same kind; any other error comes back as it is. Front-ends call
// it where they turn an error into a response.
func Render(err error, h Hints) error {
	var r *Refusal
	if !errors.As(err, &r) {
		return err
	}
	return &core.Error{Kind: r.kind, Msg: r.word(h)}
}

// NotLoggedIn is the refusal of a write without credentials, for callers
// that refuse one before they can call Authorize (an upload admitted
// before its body names the action).
func NotLoggedIn() error {
	return refuse(core.KindUnauthenticated, ReasonNotLoggedIn, core.PackageRef{}, func(h Hints) string {
		return "this action needs you to be logged in: " + h.LogIn()
	})
}

// OTPRequired is the answer to a request that needs a one-time password
// and brought none, for callers that decide it themselves (a legacy
// sign-in with a password): the same words as Authorize's OTPNeeded.
func OTPRequired() error {
	return refuse(core.KindOTPRequired, ReasonOTPRequired, core.PackageRef{}, otpRequired)
}
