// Package clientcfg finds the registry and the credentials the client
// commands (rampart sbom, audit, fix) use, the way npm finds them: the
// --registry flag, then the project's .npmrc, then the user's ~/.npmrc
// (or $NPM_CONFIG_USERCONFIG), then $NPM_CONFIG_REGISTRY, then npm's
// default; the token is the `//host/path/:_authToken=` line whose prefix
// matches the registry URL (the longest one, as npm picks).
package clientcfg

import (
	"bufio"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// DefaultRegistry is npm's default, used when nothing names another.
const DefaultRegistry = "https://registry.npmjs.org/"

// Config is where a client command talks to.
type Config struct {
	// Registry is the registry's base URL, always ending in "/".
	Registry *url.URL
	// Token is the bearer token npm would send to Registry; empty when
	// none is configured.
	Token string
	// Source says where Registry came from ("--registry", a file path,
	// "NPM_CONFIG_REGISTRY" or "default"), for messages.
	Source string
}

// Load reads the configuration for the project in dir with the process
// environment.
func Load(dir, registryFlag string) (Config, error) {
	return LoadEnv(dir, registryFlag, os.Getenv)
}

// LoadEnv is Load with the environment as a lookup function (HOME,
// NPM_CONFIG_USERCONFIG, NPM_CONFIG_REGISTRY), so tests and rampart's
// in-process command line pass their own.
func LoadEnv(dir, registryFlag string, env func(string) string) (Config, error) {
	var files []string // most specific first
	if dir != "" {
		files = append(files, filepath.Join(dir, ".npmrc"))
	}
	user := env("NPM_CONFIG_USERCONFIG")
	if user == "" {
		user = env("npm_config_userconfig")
	}
	if user == "" && env("HOME") != "" {
		user = filepath.Join(env("HOME"), ".npmrc")
	}
	if user != "" {
		files = append(files, user)
	}
	var rcs []rc
	for _, f := range files {
		r, err := readRC(f, env)
		if err != nil {
			return Config{}, err
		}
		rcs = append(rcs, r)
	}
	reg, source := registryFlag, "--registry"
	for _, r := range rcs {
		if reg == "" && r.values["registry"] != "" {
			reg, source = r.values["registry"], r.path
		}
	}
	if reg == "" {
		if v := env("NPM_CONFIG_REGISTRY"); v != "" {
			reg, source = v, "NPM_CONFIG_REGISTRY"
		} else if v := env("npm_config_registry"); v != "" {
			reg, source = v, "npm_config_registry"
		}
	}
	if reg == "" {
		reg, source = DefaultRegistry, "default"
	}
	u, err := url.Parse(reg)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Config{}, fmt.Errorf("registry %q (from %s) is not an http(s) URL: set one with --registry https://host/ or `npm config set registry`", reg, source)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	c := Config{Registry: u, Source: source}
	// npm matches "//host[:port]/path/:_authToken" against the registry
	// URL without its scheme, the longest matching prefix winning; the
	// project's file wins over the user's for the same key.
	want := "//" + u.Host + u.Path
	best := -1
	for _, r := range rcs {
		for k, v := range r.values {
			prefix, ok := strings.CutSuffix(k, ":_authToken")
			if !ok || v == "" {
				continue
			}
			if !strings.HasSuffix(prefix, "/") {
				prefix += "/"
			}
			if strings.HasPrefix(want, prefix) && len(prefix) > best {
				best, c.Token = len(prefix), v
			}
		}
		if best >= 0 {
			break
		}
	}
	return c, nil
}

type rc struct {
	path   string
	values map[string]string
}

// readRC reads an .npmrc: "key = value" lines, ';' and '#' comments,
// ${VAR} expanded from the environment as npm does. A missing file is
// empty.
func readRC(path string, env func(string) string) (rc, error) {
	r := rc{path: path, values: map[string]string{}}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == ';' || line[0] == '#' {
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
		r.values[expand(k, env)] = expand(v, env)
	}
	if err := sc.Err(); err != nil {
		return r, fmt.Errorf("read %s: %w", path, err)
	}
	return r, nil
}

// expand replaces ${VAR} with the variable's value, as npm does in .npmrc.
func expand(s string, env func(string) string) string {
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return s
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			return s
		}
		s = s[:i] + env(s[i+2:i+j]) + s[i+j+1:]
	}
}
