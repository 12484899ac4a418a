package malscan

import (
	"bytes"
	"path"
	"regexp"
	"strings"
)

// The built-in rules, pure Go. Each looks for a combination, not a single
// word: reading ~/.npmrc is what npm's own tooling does, and sending
// requests is what half of npm does; reading credentials and sending them
// out in the same file is what a stealer does. Every rule has tests with
// a true positive and near misses (builtin_test.go).

// Builtin returns the built-in rules.
func Builtin() []Matcher {
	return []Matcher{
		installDownloadExec{},
		credentialExfil{},
		obfuscatedEval{},
		binaryDropper{},
	}
}

// The built-in rule IDs.
const (
	RuleInstallDownloadExec = "RAMPART-INSTALL-DOWNLOAD-EXEC"
	RuleCredentialExfil     = "RAMPART-CREDENTIAL-EXFILTRATION"
	RuleObfuscatedEval      = "RAMPART-OBFUSCATED-EVAL"
	RuleBinaryDropper       = "RAMPART-BINARY-DROPPER"
)

// containsAny reports whether data holds one of the literals: the cheap
// test every rule runs before its regular expressions, which Go runs
// without a DFA (linear, but slow over large files). lower says the
// literals are lower case and data is compared case-insensitively.
func containsAny(data []byte, lower bool, lits ...string) bool {
	if lower {
		data = bytes.ToLower(data)
	}
	for _, l := range lits {
		if bytes.Contains(data, []byte(l)) {
			return true
		}
	}
	return false
}

var downloadWords = []string{"curl", "wget", "fetch", "iwr", "invoke-webrequest"}

// isCode reports whether a file is one the JavaScript rules read: script
// sources, and extensionless files (bin scripts).
func isCode(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".js", ".cjs", ".mjs", ".ts", ".jsx", ".tsx", ".sh", ".bash", ".py", ".ps1", ".bat", ".cmd", "":
		return true
	}
	return false
}

// installDownloadExec: an install script that downloads code and runs
// it, directly (curl … | sh) or through a file the script runs that
// spawns a shell on a remote URL.
type installDownloadExec struct{}

var (
	// A download piped or chained into an interpreter.
	shellDownloadExec = regexp.MustCompile(`(?i)\b(curl|wget|fetch|iwr|invoke-webrequest)\b[^\n]*?(\|\s*(sudo\s+)?(ba|z|da)?sh\b|\|\s*node\b|\|\s*python[23]?\b|\|\s*iex\b|&&\s*(ba|z)?sh\s|&&\s*chmod\s+\+x|;\s*chmod\s+\+x|-o\s*\S+\s*(&&|;)\s*(\./|sh\s|bash\s|node\s))`)
	// node -e with a remote URL inside the script itself.
	inlineNodeRemote = regexp.MustCompile(`(?i)\bnode\s+(-e|--eval|-p)\b[^\n]*https?://`)
	// child_process running something with a remote URL, or a download
	// tool, in the same call.
	childProcess = regexp.MustCompile(`child_process|\bexecSync\s*\(|\bspawnSync\s*\(|\bexec\s*\(|\bspawn\s*\(|\bexecFile\s*\(`)
	remoteRun    = regexp.MustCompile(`(?i)(exec|spawn|execSync|spawnSync|execFile)\s*\(\s*[^)]{0,300}?(https?://|\bcurl\b|\bwget\b)[^)]{0,300}`)
	// A file an install script runs: "node x.js", "sh ./x.sh".
	scriptRuns = regexp.MustCompile(`\b(?:node|sh|bash)\s+((?:\./)?[\w./-]+)`)
)

func (installDownloadExec) Rule() Rule {
	return Rule{ID: RuleInstallDownloadExec, Severity: Critical,
		Description: "an install script downloads code and runs it"}
}

func (m installDownloadExec) Match(in *Input) []Finding {
	var out []Finding
	runs := map[string]bool{}
	for name, s := range in.Scripts {
		if containsAny([]byte(s), true, append(downloadWords, "http")...) {
			if loc := shellDownloadExec.FindStringIndex(s); loc != nil {
				out = append(out, Finding{Rule: m.Rule(), File: "package.json", Excerpt: name + ": " + s[loc[0]:loc[1]]})
			} else if loc := inlineNodeRemote.FindStringIndex(s); loc != nil {
				out = append(out, Finding{Rule: m.Rule(), File: "package.json", Excerpt: name + ": " + s[loc[0]:loc[1]]})
			}
		}
		for _, sm := range scriptRuns.FindAllStringSubmatch(s, -1) {
			runs[path.Clean(sm[1])] = true
		}
	}
	for _, f := range in.Files {
		if !runs[path.Clean(f.Path)] || !containsAny(f.Data, true, downloadWords...) && !containsAny(f.Data, false, "http://", "https://") {
			continue
		}
		if loc := shellDownloadExec.FindIndex(f.Data); loc != nil {
			out = append(out, Finding{Rule: m.Rule(), File: f.Path, Excerpt: excerpt(f.Data, loc[0], loc[1])})
			continue
		}
		if childProcess.Match(f.Data) {
			if loc := remoteRun.FindIndex(f.Data); loc != nil {
				out = append(out, Finding{Rule: m.Rule(), File: f.Path, Excerpt: excerpt(f.Data, loc[0], loc[1])})
			}
		}
	}
	return out
}

// credentialExfil: one file reads credentials (npm, SSH, cloud, the
// whole environment) and sends something out over the network.
type credentialExfil struct{}

var (
	credentialRead = regexp.MustCompile(`(?i)\.npmrc\b|[/\\]\.ssh\b|\bid_(rsa|ed25519|ecdsa)\b|\.aws[/\\]credentials|\bAWS_SECRET_ACCESS_KEY\b|\bAWS_SESSION_TOKEN\b|\bGOOGLE_APPLICATION_CREDENTIALS\b|application_default_credentials\.json|\bAZURE_CLIENT_SECRET\b|\.azure[/\\]|\bNPM_TOKEN\b|\bGITHUB_TOKEN\b|\.docker[/\\]config\.json|\.kube[/\\]config|JSON\.stringify\s*\(\s*process\.env\s*\)|Object\.(keys|entries|values)\s*\(\s*process\.env\s*\)|\{\s*\.\.\.\s*process\.env\s*\}`)
	networkSend    = regexp.MustCompile(`require\s*\(\s*['"](node:)?(https?|net|dns|dgram|tls|http2)['"]\s*\)|from\s+['"](node:)?(https?|net|dns|dgram|tls|http2)['"]|\bfetch\s*\(\s*['"` + "`" + `]?https?:|\bXMLHttpRequest\b|\baxios\b|\bdns\.(resolve|lookup)|\b(https?|net)\.(request|get|connect|createConnection)\s*\(|\bcurl\s+[^\n]*(-d|--data|-F|-T)\b|\bwget\s+[^\n]*--post`)
)

// credentialWords are the literals credentialRead needs, lower case.
var credentialWords = []string{".npmrc", ".ssh", "id_rsa", "id_ed25519", "id_ecdsa", ".aws", "aws_secret_access_key", "aws_session_token",
	"google_application_credentials", "application_default_credentials", "azure_client_secret", ".azure", "npm_token", "github_token",
	".docker", ".kube"}

func mayReadCredentials(data []byte) bool {
	if containsAny(data, true, credentialWords...) {
		return true
	}
	return bytes.Contains(data, []byte("process.env")) && containsAny(data, false, "stringify", "Object.keys", "Object.entries", "Object.values", "...")
}

func (credentialExfil) Rule() Rule {
	return Rule{ID: RuleCredentialExfil, Severity: Critical,
		Description: "code reads credentials (npm, SSH, cloud, the environment) and sends data over the network"}
}

func (m credentialExfil) Match(in *Input) []Finding {
	var out []Finding
	for _, f := range in.Files {
		if !isCode(f.Path) || !mayReadCredentials(f.Data) {
			continue
		}
		loc := credentialRead.FindIndex(f.Data)
		if loc == nil || !networkSend.Match(f.Data) {
			continue
		}
		out = append(out, Finding{Rule: m.Rule(), File: f.Path, Excerpt: excerpt(f.Data, loc[0], loc[1])})
	}
	// Also an install script that does both inline.
	for name, s := range in.Scripts {
		if loc := credentialRead.FindStringIndex(s); loc != nil && networkSend.MatchString(s) {
			out = append(out, Finding{Rule: m.Rule(), File: "package.json", Excerpt: name + ": " + s})
		}
	}
	return out
}

// obfuscatedEval: eval or Function called in a file that holds a long
// encoded blob (base64, hex or \x escapes, or a String.fromCharCode list),
// or whose argument decodes one.
type obfuscatedEval struct{}

// Thresholds: a blob shorter than these is too small to hide a payload
// worth the trouble, and common in ordinary code (hashes, small icons).
const (
	minBase64Blob   = 200
	minHexEscapes   = 64
	minCharCodeArgs = 40
)

var (
	evalCall   = regexp.MustCompile(`\beval\s*\(|\bnew\s+Function\s*\(|[^\w.]Function\s*\(\s*['"` + "`" + `a-zA-Z_]|\bvm\.runIn(New|This)?Context\s*\(`)
	decodeCall = regexp.MustCompile(`\batob\s*\(|Buffer\.from\s*\([^)]*['"](base64|hex)['"]`)
)

// The blob finders scan by hand: a counted repetition of 200 in a Go
// regular expression compiles to hundreds of states and is slow.

// base64Run finds a run of at least minBase64Blob base64 (or hex)
// characters.
func base64Run(b []byte) []int {
	start := -1
	for i := 0; i <= len(b); i++ {
		if i < len(b) && isBase64(b[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= minBase64Blob {
			return []int{start, i}
		}
		start = -1
	}
	return nil
}

func isBase64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// hexEscapeRun finds at least minHexEscapes \xHH escapes in a row.
func hexEscapeRun(b []byte) []int {
	for i := bytes.Index(b, []byte(`\x`)); i >= 0 && i < len(b); {
		j, n := i, 0
		for j+3 < len(b) && b[j] == '\\' && b[j+1] == 'x' && isHex(b[j+2]) && isHex(b[j+3]) {
			j, n = j+4, n+1
		}
		if n >= minHexEscapes {
			return []int{i, j}
		}
		k := bytes.Index(b[i+2:], []byte(`\x`))
		if k < 0 {
			return nil
		}
		i += 2 + k
	}
	return nil
}

// charCodeRun finds String.fromCharCode with at least minCharCodeArgs
// numbers.
func charCodeRun(b []byte) []int {
	lit := []byte("fromCharCode")
	for off := 0; ; {
		i := bytes.Index(b[off:], lit)
		if i < 0 {
			return nil
		}
		i += off
		j, n := i+len(lit), 0
		for j < len(b) && (b[j] == ' ' || b[j] == '(' || b[j] == ',' || b[j] == '\n' || b[j] >= '0' && b[j] <= '9') {
			if b[j] == ',' {
				n++
			}
			j++
		}
		if n >= minCharCodeArgs {
			return []int{i, j}
		}
		off = i + len(lit)
	}
}

func (obfuscatedEval) Rule() Rule {
	return Rule{ID: RuleObfuscatedEval, Severity: High,
		Description: "eval or Function of a long encoded string (base64, hex or character codes)"}
}

func (m obfuscatedEval) Match(in *Input) []Finding {
	var out []Finding
	for _, f := range in.Files {
		if !isCode(f.Path) || !containsAny(f.Data, false, "eval", "Function", "runIn") || !evalCall.Match(f.Data) {
			continue
		}
		loc := hexEscapeRun(f.Data)
		if loc == nil {
			loc = charCodeRun(f.Data)
		}
		if loc == nil {
			loc = base64Run(f.Data)
		}
		// A long base64 blob that is a data: URL (an inlined image or
		// font) is not an encoded script unless something decodes it.
		if loc != nil && bytes.HasSuffix(bytes.TrimRight(f.Data[max(0, loc[0]-20):loc[0]], " "), []byte("base64,")) && !decodeCall.Match(f.Data) {
			loc = nil
		}
		if loc == nil {
			continue
		}
		e := excerpt(f.Data, loc[0], min(loc[1], loc[0]+60))
		out = append(out, Finding{Rule: m.Rule(), File: f.Path, Excerpt: e})
	}
	return out
}

// binaryDropper: the package ships or writes a native executable (ELF,
// PE, Mach-O) and a script executes or marks it executable; or a script
// writes an encoded executable to disk.
type binaryDropper struct{}

var (
	execOf = regexp.MustCompile(`\bchmod\s+[+0-7]*x?[0-7]*|\bchmodSync\s*\(|\bchmod\s*\(|\bexecFile(Sync)?\s*\(|\bspawn(Sync)?\s*\(|\bexec(Sync)?\s*\(|\bStart-Process\b`)
	// base64 of an ELF, PE ("MZ") or Mach-O header, as a dropper embeds it.
	encodedBinary = regexp.MustCompile(`f0VMR[A-Za-z0-9+/]{20,}|TVqQAAMAAAAEAAAA|TVpQAAIAAAAEAA|z/rt/g|zvrt/g|yv66vg`)
	writeFile     = regexp.MustCompile(`writeFile(Sync)?\s*\(|createWriteStream\s*\(`)
)

// executable reports whether data starts as a native executable.
func executable(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x7fELF")):
		return "ELF"
	case bytes.HasPrefix(data, []byte("MZ")) && len(data) > 0x40:
		return "PE"
	case bytes.HasPrefix(data, []byte{0xcf, 0xfa, 0xed, 0xfe}), bytes.HasPrefix(data, []byte{0xce, 0xfa, 0xed, 0xfe}),
		bytes.HasPrefix(data, []byte{0xfe, 0xed, 0xfa, 0xcf}), bytes.HasPrefix(data, []byte{0xca, 0xfe, 0xba, 0xbe}):
		return "Mach-O"
	}
	return ""
}

func (binaryDropper) Rule() Rule {
	return Rule{ID: RuleBinaryDropper, Severity: Critical,
		Description: "a script writes or runs a native executable (ELF, PE, Mach-O)"}
}

func (m binaryDropper) Match(in *Input) []Finding {
	var out []Finding
	var bins []string
	for _, f := range in.Files {
		// A native addon (.node) is loaded by require, not executed.
		if kind := executable(f.Data); kind != "" && path.Ext(f.Path) != ".node" {
			bins = append(bins, f.Path)
		}
	}
	// A shipped executable named by a script that runs it.
	for _, b := range bins {
		base := path.Base(b)
		for name, s := range in.Scripts {
			if strings.Contains(s, base) {
				out = append(out, Finding{Rule: m.Rule(), File: b, Excerpt: name + ": " + s})
			}
		}
		for _, f := range in.Files {
			if f.Path == b || !isCode(f.Path) || executable(f.Data) != "" || !bytes.Contains(f.Data, []byte(base)) {
				continue
			}
			if i := bytes.Index(f.Data, []byte(base)); i >= 0 && execOf.Match(f.Data) {
				out = append(out, Finding{Rule: m.Rule(), File: f.Path, Excerpt: excerpt(f.Data, i, i+len(base))})
			}
		}
	}
	// An executable embedded encoded and written out.
	for _, f := range in.Files {
		if !isCode(f.Path) {
			continue
		}
		if !containsAny(f.Data, false, "f0VMR", "TVqQ", "TVpQ", "z/rt/g", "zvrt/g", "yv66vg") {
			continue
		}
		if loc := encodedBinary.FindIndex(f.Data); loc != nil && writeFile.Match(f.Data) {
			out = append(out, Finding{Rule: m.Rule(), File: f.Path, Excerpt: excerpt(f.Data, loc[0], loc[1])})
		}
	}
	return out
}
