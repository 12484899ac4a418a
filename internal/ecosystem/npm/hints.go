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
