package npm

// Hints words the advice in a refusal (authz.Hints) as the npm CLI's
// commands, for the npm front-end and the web UI: what a user of npm runs
// to sign in, find a package's maintainers or create a token.
type Hints struct{}

func (Hints) LogIn() string { return "run `npm login`" }

func (Hints) LogInWithKey() string {
	return "Run `npm login` and approve it in the browser with your key"
}

func (Hints) LogInForTokens() string { return "log in with `npm login`" }

func (Hints) ListOwners(pkg string) string { return "`npm owner ls " + pkg + "`" }

func (Hints) CreateToken() string { return "`npm token create`" }

func (Hints) CreateTokenFor(pkg string) string { return "`npm token create --packages " + pkg + "`" }

// ChangePassword: npm cannot change a password; the browser must.
func (Hints) ChangePassword(url string) string { return "change it at " + url }

// SendOTP: npm sends the code with --otp (it prompts for one on a
// terminal); an account whose only second factors are security keys or
// passkeys gets npm's web OTP challenge instead (the npm front-end's
// webOTP), which npm opens in the browser.
func (Hints) SendOTP() string {
	return "run the command again with --otp=<code>, a current code from your authenticator app (or one of your recovery codes). " +
		"If your only second factor is a security key or passkey, npm shows a link instead: open it and approve with the key"
}
