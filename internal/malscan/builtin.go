package malscan

import (
	"bytes"
	"path"
	"regexp"
	"strconv"
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
		if loc := shellDownloadExec.FindStringIndex(s); loc != nil {
			out = append(out, Finding{Rule: m.Rule(), File: "package.json", Excerpt: name + ": " + s[loc[0]:loc[1]]})
		} else if loc := inlineNodeRemote.FindStringIndex(s); loc != nil {
			out = append(out, Finding{Rule: m.Rule(), File: "package.json", Excerpt: name + ": " + s[loc[0]:loc[1]]})
		}
		for _, sm := range scriptRuns.FindAllStringSubmatch(s, -1) {
			runs[path.Clean(sm[1])] = true
		}
	}
	for _, f := range in.Files {
		if !runs[path.Clean(f.Path)] {
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

func (credentialExfil) Rule() Rule {
	return Rule{ID: RuleCredentialExfil, Severity: Critical,
		Description: "code reads credentials (npm, SSH, cloud, the environment) and sends data over the network"}
}

func (m credentialExfil) Match(in *Input) []Finding {
	var out []Finding
	for _, f := range in.Files {
		if !isCode(f.Path) {
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
	evalCall     = regexp.MustCompile(`\beval\s*\(|\bnew\s+Function\s*\(|[^\w.]Function\s*\(\s*['"` + "`" + `a-zA-Z_]|\bvm\.runIn(New|This)?Context\s*\(`)
	base64Blob   = regexp.MustCompile(`[A-Za-z0-9+/]{` + strconv.Itoa(minBase64Blob) + `,}={0,2}`)
	hexEscapes   = regexp.MustCompile(`(\\x[0-9a-fA-F]{2}){` + strconv.Itoa(minHexEscapes) + `,}`)
	hexBlob      = regexp.MustCompile(`['"][0-9a-fA-F]{` + strconv.Itoa(2*minBase64Blob) + `,}['"]`)
	charCodeList = regexp.MustCompile(`fromCharCode\s*\(\s*(\d+\s*,\s*){` + strconv.Itoa(minCharCodeArgs) + `,}`)
	decodeCall   = regexp.MustCompile(`\batob\s*\(|Buffer\.from\s*\([^)]*['"](base64|hex)['"]`)
)

func (obfuscatedEval) Rule() Rule {
	return Rule{ID: RuleObfuscatedEval, Severity: High,
		Description: "eval or Function of a long encoded string (base64, hex or character codes)"}
}

func (m obfuscatedEval) Match(in *Input) []Finding {
	var out []Finding
	for _, f := range in.Files {
		if !isCode(f.Path) || !evalCall.Match(f.Data) {
			continue
		}
		var loc []int
		for _, re := range []*regexp.Regexp{hexEscapes, charCodeList, hexBlob, base64Blob} {
			if loc = re.FindIndex(f.Data); loc != nil {
				break
			}
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
			if f.Path == b || !isCode(f.Path) || executable(f.Data) != "" {
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
		if loc := encodedBinary.FindIndex(f.Data); loc != nil && writeFile.Match(f.Data) {
			out = append(out, Finding{Rule: m.Rule(), File: f.Path, Excerpt: excerpt(f.Data, loc[0], loc[1])})
		}
	}
	return out
}
