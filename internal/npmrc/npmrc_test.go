package npmrc

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// files is a fake file system: path -> content ("" for a marker).
type files map[string]string

func (f files) sources(dir, flag string, env map[string]string) Sources {
	return Sources{Dir: dir, RegistryFlag: flag,
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

func TestLoadRefusals(t *testing.T) {
	if _, err := LoadWith(files{}.sources("/", "", map[string]string{"HOME": "/h"})); err == nil {
		t.Error("no registry anywhere: no error")
	}
	if _, err := LoadWith(files{}.sources("/", "ftp://x/", nil)); err == nil {
		t.Error("an ftp registry: no error")
	}
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
	c, err := Load(proj, "")
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
