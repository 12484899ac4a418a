package npmrc

import (
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// files is a fake file system: path -> content ("" for a marker).
type files map[string]string

func (f files) sources(dir, flag string, env map[string]string) Sources {
	return f.sourcesToken(dir, flag, "", env)
}

func (f files) sourcesToken(dir, flag, token string, env map[string]string) Sources {
	return Sources{Dir: dir, RegistryFlag: flag, TokenFlag: token,
		Getenv: func(k string) string { return env[k] },
		ReadFile: func(p string) ([]byte, error) {
			if c, ok := f[p]; ok {
				return []byte(c), nil
			}
			return nil, fs.ErrNotExist
		},
		Stat: func(p string) (fs.FileInfo, error) {
			if _, ok := f[p]; ok {
				return nil, nil
			}
			return nil, fs.ErrNotExist
		},
	}
}

func TestLoad(t *testing.T) {
	home := map[string]string{"HOME": "/home/al"}
	userrc := "registry=https://user.example/\n//user.example/:_authToken=user-token\n//proj.example:4873/npm/:_authToken=\"proj-token-from-user\"\n"
	for _, c := range []struct {
		name      string
		files     files
		dir, flag string
		env       map[string]string
		registry  string
		token     string
		tokenFrom string
	}{
		{name: "user config", files: files{"/home/al/.npmrc": userrc}, dir: "/work", env: home,
			registry: "https://user.example/", token: "user-token", tokenFrom: "/home/al/.npmrc"},
		{name: "project overrides user; token for the project's registry found in the user's file",
			files: files{"/home/al/.npmrc": userrc, "/work/app/package.json": "", "/work/app/.npmrc": "registry=http://proj.example:4873/npm\n"},
			dir:   "/work/app/src/lib", env: home, registry: "http://proj.example:4873/npm/", token: "proj-token-from-user", tokenFrom: "/home/al/.npmrc"},
		{name: "flag overrides everything", files: files{"/home/al/.npmrc": userrc}, dir: "/work", flag: "https://other.example", env: home,
			registry: "https://other.example/", token: ""},
		{name: "environment over files", files: files{"/home/al/.npmrc": userrc}, dir: "/work",
			env: map[string]string{"HOME": "/home/al", "npm_config_registry": "https://user.example"}, registry: "https://user.example/", token: "user-token", tokenFrom: "/home/al/.npmrc"},
		{name: "userconfig path from the environment, ${VAR} expanded, comments",
			files: files{"/etc/rc": "; comment\n# another\nregistry = https://r.example/\n//r.example/:_authToken=${TOKEN}\n"}, dir: "/work",
			env: map[string]string{"npm_config_userconfig": "/etc/rc", "TOKEN": "from-env"}, registry: "https://r.example/", token: "from-env", tokenFrom: "/etc/rc"},
		{name: "a token of another port is not this registry's", files: files{"/home/al/.npmrc": "registry=http://r.example:4873/\n//r.example/:_authToken=wrong\n"},
			dir: "/", env: home, registry: "http://r.example:4873/", token: ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := LoadWith(c.files.sources(c.dir, c.flag, c.env))
			if err != nil {
				t.Fatal(err)
			}
			if got.Registry.String() != c.registry || got.Token != c.token || (c.tokenFrom != "" && got.TokenFrom != c.tokenFrom) {
				t.Errorf("got %s token %q from %q; want %s token %q from %q", got.Registry, got.Token, got.TokenFrom, c.registry, c.token, c.tokenFrom)
			}
		})
	}
}

// Nothing configured: npm's default registry, no token, and IsDefault
// says so (report and verify refuse it: it is no Rampart registry).
func TestLoadDefault(t *testing.T) {
	c, err := LoadWith(files{}.sources("/", "", map[string]string{"HOME": "/h"}))
	if err != nil || c.Registry.String() != DefaultRegistry || c.Token != "" || !c.IsDefault() || c.RegistryFrom != FromDefault {
		t.Fatalf("nothing configured: %+v %v", c, err)
	}
}

func TestLoadRefusals(t *testing.T) {
	for _, c := range []struct {
		files files
		flag  string
		env   map[string]string
		want  string
	}{
		{flag: "ftp://x/", want: "--registry"},
		{files: files{"/h/.npmrc": "registry=nope\n"}, env: map[string]string{"HOME": "/h"}, want: "/h/.npmrc"},
		{env: map[string]string{"npm_config_registry": "mailto:x@y"}, want: "environment"},
	} {
		_, err := LoadWith(c.files.sources("/", c.flag, c.env))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "http(s) URL") {
			t.Errorf("%v %v %q: err %v, want one naming %q", c.files, c.env, c.flag, err, c.want)
		}
	}
}

// The layers in npm's order, for the registry and for tokens: the flags,
// then the environment, then the project's file, then the user's.
func TestPrecedence(t *testing.T) {
	fs := files{
		"/home/al/.npmrc":        "registry=http://user.example:4873\n//user.example:4873/:_authToken=${SECRET}\n//proj.example/:_authToken=user-short\n",
		"/work/app/package.json": "",
		"/work/app/.npmrc":       "; project\nregistry = \"http://proj.example/npm\"\n//proj.example/npm/:_authToken=long\n",
	}
	env := map[string]string{"HOME": "/home/al", "SECRET": "tok-from-env"}
	c, _ := LoadWith(fs.sources("/work/app", "", env))
	if c.Registry.String() != "http://proj.example/npm/" || c.Token != "long" || c.TokenFrom != "/work/app/.npmrc" || c.RegistryFrom != "/work/app/.npmrc" {
		t.Fatalf("project file: %+v", c)
	}
	// The longest prefix wins, whichever file holds it; a shorter one
	// serves a URL outside the registry's path on the same host.
	if tok, from := c.TokenFor(mustURL("http://proj.example/other/x.tgz")); tok != "user-short" || from != "/home/al/.npmrc" {
		t.Errorf("other path: %q from %q", tok, from)
	}
	c, _ = LoadWith(fs.sources("/work/app", "http://user.example:4873/", env))
	if c.Registry.String() != "http://user.example:4873/" || c.Token != "tok-from-env" || c.RegistryFrom != FromRegistryFlag {
		t.Fatalf("--registry: %+v", c)
	}
	c, _ = LoadWith(fs.sourcesToken("/work/app", "", "from-flag", env))
	if c.Token != "from-flag" || c.TokenFrom != FromTokenFlag {
		t.Fatalf("--token: %+v", c)
	}
	// The flag's token is the chosen registry's only.
	if tok, _ := c.TokenFor(mustURL("http://user.example:4873/")); tok != "tok-from-env" {
		t.Errorf("--token leaked to another registry: %q", tok)
	}
	// The environment beats the files, nerf-darted keys too.
	env2 := map[string]string{"HOME": "/home/al", "npm_config_registry": "http://env.example/", "npm_config_//env.example/:_authToken": "env-tok"}
	c, _ = LoadWith(fs.sources("/work/app", "", env2))
	if c.Registry.String() != "http://env.example/" || c.Token != "env-tok" || c.RegistryFrom != FromEnvironment || c.TokenFrom != FromEnvironment {
		t.Fatalf("environment: %+v", c)
	}
}

// A scoped package's registry is its `@scope:registry`, with that
// registry's token.
func TestRegistryFor(t *testing.T) {
	fs := files{"/h/.npmrc": "registry=https://r.example/\n@acme:registry=https://acme.example/npm\n//acme.example/npm/:_authToken=acme-tok\n//r.example/:_authToken=r-tok\n"}
	c, err := LoadWith(fs.sources("/", "", map[string]string{"HOME": "/h"}))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"@acme/w": "https://acme.example/npm/", "@other/w": "https://r.example/", "left-pad": "https://r.example/", "@acme": "https://r.example/"} {
		u, err := c.RegistryFor(name)
		if err != nil || u.String() != want {
			t.Errorf("RegistryFor(%q) = %v %v, want %s", name, u, err, want)
		}
	}
	u, _ := c.RegistryFor("@acme/w")
	if tok, _ := c.TokenFor(u); tok != "acme-tok" {
		t.Errorf("acme's token: %q", tok)
	}
}

// Transport signs requests in where a token is configured, and nowhere
// else; a request's own Authorization is kept.
func TestTransport(t *testing.T) {
	c, _ := LoadWith(files{"/h/.npmrc": "registry=http://r.example/\n//r.example/:_authToken=tok\n"}.sources("/", "", map[string]string{"HOME": "/h"}))
	var got []string
	tr := c.Transport(roundTripper(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.URL.Host+" "+r.Header.Get("Authorization"))
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	}))
	for _, u := range []string{"http://r.example/a/-/a-1.0.0.tgz", "http://evil.example/", "http://r.example:8080/"} {
		req, _ := http.NewRequest("GET", u, nil)
		tr.RoundTrip(req)
	}
	req, _ := http.NewRequest("GET", "http://r.example/", nil)
	req.Header.Set("Authorization", "Bearer own")
	tr.RoundTrip(req)
	want := []string{"r.example Bearer tok", "evil.example ", "r.example:8080 ", "r.example Bearer own"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sent %q, want %q", got, want)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// Load reads the real files.
func TestLoadReal(t *testing.T) {
	home, proj := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".npmrc"), []byte("registry=http://127.0.0.1:1/\n//127.0.0.1:1/:_authToken=tok\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("npm_config_userconfig", "")
	t.Setenv("NPM_CONFIG_USERCONFIG", "")
	t.Setenv("npm_config_registry", "")
	t.Setenv("NPM_CONFIG_REGISTRY", "")
	c, err := Load(proj, "", "", os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Registry.String() != "http://127.0.0.1:1/" || c.Token != "tok" {
		t.Errorf("Load = %+v", c)
	}
}

func TestExpandEscaped(t *testing.T) {
	if got := expand(`\${HOME}x${A}`, func(k string) string { return map[string]string{"A": "1", "HOME": "h"}[k] }); got != "${HOME}x1" {
		t.Errorf("expand = %q", got)
	}
}

// FuzzParse: any file parses without a panic, into keys that hold no
// line break.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"registry=https://r.example/\n//r.example/:_authToken=${T}\n", "; c\n[section]\nk = \"v\"\n", "\\${X}=${Y}${", "="} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for k := range parse(b, func(string) string { return "v" }) {
			if strings.ContainsAny(k, "\r\n") {
				t.Fatalf("key %q holds a line break", k)
			}
		}
	})
}
