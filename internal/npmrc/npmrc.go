// Package npmrc finds the registry and the credentials the way the npm
// CLI does, for Rampart's client commands (`rampart report`, and the
// others as they come): the registry from --registry, then the
// environment (npm_config_registry), then the project's .npmrc (at the
// nearest folder above the working one that holds a package.json or
// node_modules), then the user's (npm_config_userconfig, or ~/.npmrc);
// the token from `//host[:port]/path/:_authToken=` for that registry,
// looked up through the same layers. Values may name environment
// variables as ${NAME}, as npm expands them. The package reads files
// and nothing else: no network, no writes.
package npmrc

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Config is what a client command needs to reach the registry.
type Config struct {
	// Registry is the registry's base URL, ending in "/".
	Registry *url.URL
	// Token is the bearer token for Registry, "" if none is configured.
	Token string
	// RegistryFrom and TokenFrom say where each came from ("--registry",
	// "environment", or a file's path), for messages.
	RegistryFrom, TokenFrom string
}

// Load finds the registry and its token for a command run in dir, with
// the --registry flag's value ("" if not given), from the process's
// environment and files.
func Load(dir string, registryFlag string) (Config, error) {
	return LoadWith(Sources{Dir: dir, RegistryFlag: registryFlag, Getenv: os.Getenv, ReadFile: os.ReadFile, Stat: os.Stat})
}

// Sources are Load's inputs, injectable for tests.
type Sources struct {
	Dir          string
	RegistryFlag string
	Getenv       func(string) string
	ReadFile     func(string) ([]byte, error)
	Stat         func(string) (fs.FileInfo, error)
}

// layer is one source of settings, highest precedence first.
type layer struct {
	from string
	kv   map[string]string
}

// LoadWith is Load on the given sources.
func LoadWith(src Sources) (Config, error) {
	var layers []layer
	if env := envLayer(src.Getenv); len(env) > 0 {
		layers = append(layers, layer{"environment", env})
	}
	for _, path := range []string{filepath.Join(projectRoot(src), ".npmrc"), userConfig(src)} {
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
		layers = append(layers, layer{path, parse(b, src.Getenv)})
	}
	get := func(key string) (string, string) {
		for _, l := range layers {
			if v, ok := l.kv[key]; ok {
				return v, l.from
			}
		}
		return "", ""
	}
	var c Config
	reg, from := src.RegistryFlag, "--registry"
	if reg == "" {
		reg, from = get("registry")
	}
	if reg == "" {
		return Config{}, errors.New("no registry configured: pass --registry URL, or set registry=URL in the project's or your ~/.npmrc (`npm config set registry URL`)")
	}
	u, err := url.Parse(reg)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Config{}, fmt.Errorf("the registry %q (from %s) is not an http or https URL", reg, from)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment = "", ""
	c.Registry, c.RegistryFrom = u, from
	c.Token, c.TokenFrom = get(NerfDart(u) + ":_authToken")
	return c, nil
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

// envLayer is npm's configuration from the environment: npm_config_*
// in any case, "_" standing for "-" (only the registry matters here).
func envLayer(getenv func(string) string) map[string]string {
	kv := map[string]string{}
	for _, name := range []string{"npm_config_registry", "NPM_CONFIG_REGISTRY"} {
		if v := getenv(name); v != "" {
			kv["registry"] = v
			break
		}
	}
	return kv
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
func userConfig(src Sources) string {
	for _, name := range []string{"npm_config_userconfig", "NPM_CONFIG_USERCONFIG"} {
		if v := src.Getenv(name); v != "" {
			return v
		}
	}
	if home := src.Getenv("HOME"); home != "" {
		return filepath.Join(home, ".npmrc")
	}
	if home := src.Getenv("USERPROFILE"); home != "" {
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
