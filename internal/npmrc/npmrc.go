// Package npmrc is the one way the client commands (rampart sbom, audit,
// fix, report, verify) find the registry and their credentials, the way
// the npm CLI does (../shared/reference/npm-protocol.md §0.1, §0.3). A
// setting is looked up through layers, the first that has it winning, in
// npm's precedence: the command line (--registry, --token), the
// environment (npm_config_<key> or NPM_CONFIG_<key>, nerf-darted keys
// too), the project's .npmrc (at npm's local prefix: the nearest folder
// from the working one up that holds a package.json or node_modules),
// then the user's (npm_config_userconfig, or ~/.npmrc); npm's default
// registry when nothing names one. The registry is chosen per package
// (`@scope:registry`, then `registry`: RegistryFor); a token per URL, by
// the `//host[:port]/path/:_authToken` key that matches the URL's longest
// path prefix, else the token of a registry on the same host (TokenFor),
// so a token only ever goes to the host it was configured for. Values
// may name environment variables as ${NAME}, as npm expands them. The
// package reads files and nothing else: no network, no writes. Not
// read: npm's global and built-in config files, `_auth` and
// username/password credentials, client certificates.
package npmrc

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// DefaultRegistry is npm's default, used when nothing names another.
const DefaultRegistry = "https://registry.npmjs.org/"

// Where a setting came from besides a file's path (Config.RegistryFrom,
// TokenFrom).
const (
	FromRegistryFlag = "--registry"
	FromTokenFlag    = "--token"
	FromEnvironment  = "environment"
	FromDefault      = "default"
)

// Config is what a client command needs to reach the registry.
type Config struct {
	// Registry is the registry's base URL, ending in "/".
	Registry *url.URL
	// Token is the bearer token for Registry, "" if none is configured.
	Token string
	// RegistryFrom and TokenFrom say where each came from (FromRegistryFlag,
	// FromTokenFlag, FromEnvironment, FromDefault or a file's path), for
	// messages.
	RegistryFrom, TokenFrom string

	layers []layer
	getenv func(string) string
}

// Load finds the registry and its token for a command run in dir, with
// the --registry and --token flags' values ("" if not given), from the
// environment getenv reads (os.Getenv for the process's) and the files.
func Load(dir, registryFlag, tokenFlag string, getenv func(string) string) (Config, error) {
	return LoadWith(Sources{Dir: dir, RegistryFlag: registryFlag, TokenFlag: tokenFlag, Getenv: getenv, ReadFile: os.ReadFile, Stat: os.Stat})
}

// Sources are Load's inputs, injectable for tests.
type Sources struct {
	Dir          string
	RegistryFlag string
	TokenFlag    string
	Getenv       func(string) string
	ReadFile     func(string) ([]byte, error)
	Stat         func(string) (fs.FileInfo, error)
}

// layer is one file of settings.
type layer struct {
	from string
	kv   map[string]string
}

// LoadWith is Load on the given sources.
func LoadWith(src Sources) (Config, error) {
	c := Config{getenv: src.Getenv}
	if c.getenv == nil {
		c.getenv = func(string) string { return "" }
	}
	for _, path := range []string{filepath.Join(projectRoot(src), ".npmrc"), userConfig(c.getenv)} {
		if path == "" {
			continue
		}
		b, err := src.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Config{}, fmt.Errorf("reading %s: %w", path, err)
		}
		c.layers = append(c.layers, layer{path, parse(b, c.getenv)})
	}
	reg, from := src.RegistryFlag, FromRegistryFlag
	if reg == "" {
		reg, from = c.get("registry")
	}
	if reg == "" {
		reg, from = DefaultRegistry, FromDefault
	}
	u, err := registryURL(reg, from)
	if err != nil {
		return Config{}, err
	}
	c.Registry, c.RegistryFrom = u, from
	if src.TokenFlag != "" {
		// --token is the chosen registry's, above every file.
		c.layers = append([]layer{{FromTokenFlag, map[string]string{NerfDart(u) + ":_authToken": src.TokenFlag}}}, c.layers...)
	}
	c.Token, c.TokenFrom = c.TokenFor(u)
	return c, nil
}

// registryURL checks a registry setting and gives it npm's trailing "/".
func registryURL(reg, from string) (*url.URL, error) {
	u, err := url.Parse(reg)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the registry %q (from %s) is not an http(s) URL: pass --registry https://host/ or `npm config set registry URL`", reg, from)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// get looks a key up through the environment and the files, in npm's
// precedence, and says where it was found. (The command-line layer,
// --token, is the first file layer.)
func (c Config) get(key string) (string, string) {
	for _, l := range c.layers {
		if l.from != FromTokenFlag {
			break
		}
		if v, ok := l.kv[key]; ok {
			return v, l.from
		}
	}
	// npm reads npm_config_<key> in any case; a nerf-darted key is taken
	// as written, others with "-" spelled "_". The keys read here have
	// neither, so the two usual spellings are the whole lookup.
	for _, name := range []string{"npm_config_" + key, "NPM_CONFIG_" + key} {
		if v := c.getenv(name); v != "" {
			return v, FromEnvironment
		}
	}
	for _, l := range c.layers {
		if l.from == FromTokenFlag {
			continue
		}
		if v, ok := l.kv[key]; ok {
			return v, l.from
		}
	}
	return "", ""
}

// IsDefault reports that no setting named a registry: Registry is npm's
// default, which is no Rampart registry.
func (c Config) IsDefault() bool { return c.RegistryFrom == FromDefault }

// RegistryFor is the registry npm would use for the package name: the
// `@scope:registry` setting for a scoped name, else Registry.
func (c Config) RegistryFor(name string) (*url.URL, error) {
	if scope, _, ok := strings.Cut(name, "/"); ok && strings.HasPrefix(scope, "@") {
		if v, from := c.get(scope + ":registry"); v != "" {
			return registryURL(v, from)
		}
	}
	return c.Registry, nil
}

// TokenFor is the bearer token npm would send with a request to u, and
// where it was found: the `<nerf-dart>:_authToken` setting for the
// longest prefix of u's host and path; else, when u is on Registry's
// host (an absolute path that drops the registry's prefix, as npm's OIDC
// exchange does), Registry's token. "" when none.
func (c Config) TokenFor(u *url.URL) (string, string) {
	if u == nil || u.Host == "" {
		return "", ""
	}
	if t, from := c.tokenAt(u); t != "" {
		return t, from
	}
	if c.Registry != nil && c.Registry.Host == u.Host {
		return c.tokenAt(c.Registry)
	}
	return "", ""
}

// tokenAt walks up u's nerf-dart as npm-registry-fetch's regKeyFromURI
// does ("//host/a/b/", "//host/a/b", "//host/a/", ... "//host"), the first
// key with a token winning.
func (c Config) tokenAt(u *url.URL) (string, string) {
	key := "//" + u.Host + u.Path
	for len(key) > len("//") {
		if v, from := c.get(key + ":_authToken"); v != "" {
			return v, from
		}
		if strings.HasSuffix(key, "/") {
			key = key[:len(key)-1]
		} else {
			key = key[:strings.LastIndex(key, "/")+1]
		}
	}
	return "", ""
}

// Transport is base (http.DefaultTransport when nil) sending each request
// with the token TokenFor finds for its URL, unless the request already
// carries an Authorization header: a client command's one HTTP client, so
// every request it makes (tarballs, the log, the OSV API) is signed in
// where npm would be, and nowhere else.
func (c Config) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return authTransport{c, base}
}

type authTransport struct {
	c    Config
	base http.RoundTripper
}

func (t authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" {
		if tok, _ := t.c.TokenFor(r.URL); tok != "" {
			r = r.Clone(r.Context())
			r.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	return t.base.RoundTrip(r)
}

// NerfDart is npm's key prefix for a registry's credentials: the URL
// without its scheme, query and fragment, its path ending in "/"
// ("//registry.example:4873/npm/").
func NerfDart(u *url.URL) string {
	p := u.Path
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return "//" + u.Host + p
}

// projectRoot is npm's local prefix: the nearest folder from src.Dir up
// that holds a package.json or node_modules, else src.Dir itself.
func projectRoot(src Sources) string {
	dir, err := filepath.Abs(src.Dir)
	if err != nil {
		return src.Dir
	}
	for d := dir; ; {
		for _, marker := range []string{"package.json", "node_modules"} {
			if _, err := src.Stat(filepath.Join(d, marker)); err == nil {
				return d
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// userConfig is the user's .npmrc: npm_config_userconfig, else ~/.npmrc.
func userConfig(getenv func(string) string) string {
	for _, name := range []string{"npm_config_userconfig", "NPM_CONFIG_USERCONFIG"} {
		if v := getenv(name); v != "" {
			return v
		}
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".npmrc")
	}
	if home := getenv("USERPROFILE"); home != "" {
		return filepath.Join(home, ".npmrc")
	}
	return ""
}

var envRef = regexp.MustCompile(`(\\*)\$\{([^${}]+)\}`)

// parse reads an ini-style .npmrc: key=value lines, comments after # or
// ;, values optionally quoted, ${NAME} expanded from the environment
// (a backslash before it keeps it literal). Sections are ignored, as npm
// ignores them.
func parse(b []byte, getenv func(string) string) map[string]string {
	kv := map[string]string{}
	// Lines end at \n or \r, as npm's ini parser splits them.
	for _, line := range strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' || r == '\r' }) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		}
		k, v = expand(k, getenv), expand(v, getenv)
		kv[k] = v
	}
	return kv
}

func expand(s string, getenv func(string) string) string {
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		sub := envRef.FindStringSubmatch(m)
		esc := sub[1]
		if len(esc)%2 == 1 {
			return esc[1:] + "${" + sub[2] + "}"
		}
		return esc + getenv(sub[2])
	})
}
