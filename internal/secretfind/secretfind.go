// Package secretfind finds credentials in bytes: Rampart's own API tokens
// (by their pattern, confirmed by their checksum) and the tokens of other
// well-known registries and forges by their documented prefixes
// (docs/tokens.md lists them with their sources). It is pure: it reads
// bytes and reports what it found, and the caller decides (internal/
// publish's scan stage asks internal/secretscan, which looks Rampart tokens
// up by hash and revokes the live ones).
//
// A Finder is an io.Writer, so a file is scanned as it streams past (the
// tarball reader tees each file through one), once, in bounded memory: it
// keeps only the last few hundred bytes between writes, so a token split
// across two writes is still found. It never keeps a token's value: a
// Rampart token is reported by its hash (token.Hash), any other by its
// kind alone.
package secretfind

import (
	"strings"

	"github.com/rampart/rampart/internal/token"
)

// KindRampart is the Kind.ID of Rampart's own tokens.
const KindRampart = "rampart"

// Kind is one format of credential the finder knows.
type Kind struct {
	// ID names the kind in findings ("rampart", "npm", "github", ...).
	ID string
	// Name says what it is, for messages: "a GitHub personal access token".
	Name string
	// Prefix starts every token of the kind.
	Prefix string
	// Min and Max bound the characters after the prefix; a run of more
	// than Max characters of the body's class is not a token of the kind
	// when Exact is set (a fixed-length format), and is one otherwise.
	Min, Max int
	Exact    bool
	// Rotate says where its owner revokes and replaces it.
	Rotate string

	class func(byte) bool
	sep   int // the index in Prefix of its last '_' or '-'
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}

// isWord is a regular expression's \w: a token glued to one of these on
// its left is part of a longer word, not a token.
func isWord(c byte) bool { return isAlnum(c) || c == '_' }

func isB64URL(c byte) bool { return isAlnum(c) || c == '_' || c == '-' }

func isHexLower(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// kinds are the formats the finder knows. Every prefix holds a '_' or a
// '-', which is what the finder looks for first (bySep).
var kinds = []Kind{
	{ID: KindRampart, Name: "an API token of this registry", Prefix: token.Prefix, Min: token.BodyLen + token.ChecksumLen, Max: token.BodyLen + token.ChecksumLen, Exact: true,
		Rotate: "npm token create", class: isAlnum},
	{ID: "npm", Name: "an npm access token", Prefix: "npm_", Min: 36, Max: 36, Exact: true,
		Rotate: "https://www.npmjs.com/settings/~/tokens", class: isAlnum},
	// GitHub's tokens are 36 characters after the prefix today, and
	// GitHub says they may grow to 255 in all.
	{ID: "github", Name: "a GitHub personal access token", Prefix: "ghp_", Min: 36, Max: 251,
		Rotate: "https://github.com/settings/tokens", class: isAlnum},
	{ID: "github", Name: "a GitHub OAuth access token", Prefix: "gho_", Min: 36, Max: 251,
		Rotate: "https://github.com/settings/applications", class: isAlnum},
	{ID: "github", Name: "a GitHub user-to-server token", Prefix: "ghu_", Min: 36, Max: 251,
		Rotate: "https://github.com/settings/apps/authorizations", class: isAlnum},
	{ID: "github", Name: "a GitHub server-to-server token", Prefix: "ghs_", Min: 36, Max: 251,
		Rotate: "https://github.com/settings/apps", class: isAlnum},
	{ID: "github", Name: "a GitHub refresh token", Prefix: "ghr_", Min: 36, Max: 251,
		Rotate: "https://github.com/settings/apps/authorizations", class: isAlnum},
	{ID: "github", Name: "a GitHub fine-grained personal access token", Prefix: "github_pat_", Min: 82, Max: 82, Exact: true,
		Rotate: "https://github.com/settings/tokens?type=beta", class: isWord},
	// A PyPI token is "pypi-" and a macaroon in URL-safe base64, whose
	// first bytes encode its location, pypi.org: "AgEIcHlwaS5vcmc".
	{ID: "pypi", Name: "a PyPI API token", Prefix: "pypi-AgEIcHlwaS5vcmc", Min: 50, Max: 512,
		Rotate: "https://pypi.org/manage/account/token/", class: isB64URL},
	{ID: "pypi", Name: "a TestPyPI API token", Prefix: "pypi-AgENdGVzdC5weXBpLm9yZw", Min: 50, Max: 512,
		Rotate: "https://test.pypi.org/manage/account/token/", class: isB64URL},
	{ID: "rubygems", Name: "a RubyGems API key", Prefix: "rubygems_", Min: 48, Max: 48, Exact: true,
		Rotate: "https://rubygems.org/profile/api_keys", class: isHexLower},
	// GitLab's newer (routable) tokens go on past the 20 characters
	// with '.'-separated parts; the first 20 are enough to know one.
	{ID: "gitlab", Name: "a GitLab personal access token", Prefix: "glpat-", Min: 20, Max: 255,
		Rotate: "https://gitlab.com/-/user_settings/personal_access_tokens", class: isB64URL},
}

// bySep lists, for a separator ('_' is 0, '-' is 1) and the byte before
// it, the kinds whose prefix has them as its last separator: most
// separators in text then cost one table lookup.
var bySep = func() (t [2][256][]*Kind) {
	for i := range kinds {
		k := &kinds[i]
		k.sep = strings.LastIndexAny(k.Prefix, "_-")
		if k.sep < 1 {
			panic("secretfind: prefix " + k.Prefix + " has no separator after its first byte")
		}
		si := 0
		if k.Prefix[k.sep] == '-' {
			si = 1
		}
		b := k.Prefix[k.sep-1]
		t[si][b] = append(t[si][b], k)
	}
	return t
}()

// Kinds lists the formats the finder knows, for documentation and tests.
func Kinds() []Kind {
	out := make([]Kind, len(kinds))
	copy(out, kinds)
	return out
}

// keep is how many bytes a Finder carries from one write to the next:
// more than the longest prefix, body and the character after it, so a
// token that starts before the carried bytes is whole in the bytes seen.
var keep = func() int {
	n := 0
	for _, k := range kinds {
		n = max(n, len(k.Prefix)+k.Max+2)
	}
	return n
}()

// maxPrefix is the length of the longest prefix.
var maxPrefix = func() int {
	n := 0
	for _, k := range kinds {
		n = max(n, len(k.Prefix))
	}
	return n
}()

// scanEvery is how many bytes a Finder gathers before it scans them, so
// that small writes do not each pay for a pass.
const scanEvery = 32 * 1024

// Finding is one credential found.
type Finding struct {
	// Kind is the Kind.ID; Name and Rotate are the kind's.
	Kind, Name, Rotate string
	// Hash is token.Hash of a Rampart token (KindRampart), whose
	// checksum holds; "" for other kinds, whose value is never kept.
	Hash string
}

// Finder finds credentials in what is written to it. The zero value is
// ready to use; Done ends one stream, and the Finder may then take the
// next.
type Finder struct {
	buf    []byte
	before byte // the byte before buf[0]; 0 at a stream's start
	found  []Finding
	seen   map[Finding]bool
}

// Write scans p, keeping the last bytes for the next write. It never
// fails, and does not keep p: a large write is scanned where it lies, and
// only its last bytes are copied.
func (f *Finder) Write(p []byte) (int, error) {
	if len(p) < 2*keep {
		f.buf = append(f.buf, p...)
		if len(f.buf) >= scanEvery+keep {
			f.flush()
		}
		return len(p), nil
	}
	// The tokens that start in the carried bytes, seen with enough of p.
	carry := len(f.buf)
	f.buf = append(f.buf, p[:keep]...)
	f.scanIn(f.buf, f.before, carry)
	before := f.before
	if carry > 0 {
		before = f.buf[carry-1]
	}
	// Those that start in p but its last keep bytes, which are carried.
	rest := len(p) - keep
	f.scanIn(p, before, rest)
	f.before = p[rest-1]
	f.buf = append(f.buf[:0], p[rest:]...)
	return len(p), nil
}

// flush scans the gathered bytes but the last keep, and carries those.
func (f *Finder) flush() {
	limit := len(f.buf) - keep
	f.scanIn(f.buf, f.before, limit)
	f.before = f.buf[limit-1]
	n := copy(f.buf, f.buf[limit:])
	f.buf = f.buf[:n]
}

// Done scans what is left of the stream and returns what it found, each
// finding once; the Finder is then ready for another stream.
func (f *Finder) Done() []Finding {
	f.scanIn(f.buf, f.before, len(f.buf))
	out := f.found
	f.buf, f.before, f.found, f.seen = f.buf[:0], 0, nil, nil
	return out
}

// Find returns the credentials in b.
func Find(b []byte) []Finding {
	var f Finder
	f.Write(b)
	return f.Done()
}

// scanIn reports the tokens that start in buf before limit; before is the
// byte before buf[0]. Unless limit is len(buf) (the stream's end), buf
// holds at least keep bytes past limit, so each such token is whole in it.
func (f *Finder) scanIn(buf []byte, before byte, limit int) {
	// A token's last separator comes within the longest prefix of its
	// start.
	end := min(len(buf), limit+maxPrefix)
	for s := 1; s < end; s++ {
		var si int
		switch buf[s] {
		case '_':
			si = 0
		case '-':
			si = 1
		default:
			continue
		}
		for _, k := range bySep[si][buf[s-1]] {
			start := s - k.sep
			pend := start + len(k.Prefix)
			if start < 0 || start >= limit || pend > len(buf) || string(buf[start:pend]) != k.Prefix {
				continue
			}
			prev := before
			if start > 0 {
				prev = buf[start-1]
			}
			f.match(k, buf, prev, start, pend)
		}
	}
}

// match checks the token of kind k whose prefix is buf[start:body]; prev
// is the byte before it.
func (f *Finder) match(k *Kind, buf []byte, prev byte, start, body int) {
	if isWord(prev) {
		return
	}
	j := body
	for j < len(buf) && j-body <= k.Max && k.class(buf[j]) {
		j++
	}
	n := j - body
	if n < k.Min || (k.Exact && (n > k.Max || j < len(buf) && isWord(buf[j]))) {
		return
	}
	fd := Finding{Kind: k.ID, Name: k.Name, Rotate: k.Rotate}
	if k.ID == KindRampart {
		tok := string(buf[start:j])
		if token.Check(tok) != nil {
			return // a lookalike: its checksum does not hold
		}
		fd.Hash = token.Hash(tok)
	}
	if f.seen == nil {
		f.seen = map[Finding]bool{}
	}
	if !f.seen[fd] {
		f.seen[fd] = true
		f.found = append(f.found, fd)
	}
}
