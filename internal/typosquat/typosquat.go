// Package typosquat says whether a new package name imitates a popular
// one: the same name once case, separators and look-alike characters are
// ignored (`l0dash`, `lo-dash`, `react_dom`), the popular name with an
// affix added or dropped (`reactjs-dom`, `express-js`, `node-lodash`),
// a scope moved into the name or out of it (`types-node` for
// `@types/node`, `@acme/x` for `acme-x`), or one typo away (a transposed,
// omitted, repeated or changed character: `reqeusts`, `expres`,
// `lodahs`). It is pure: the popular names are handed in (Snapshot has
// npm's high-impact names, shipped in the binary), and the caller decides
// what a match means.
//
// Thresholds grow with the popular name's length so that short names are
// not all flagged: a name of 4 characters or fewer (after normalisation)
// matches only by its normalised form; up to 8, one typo of the kinds
// people make (transposition, omission, repetition) but not any changed
// character; from 9, one edit of any kind; from 12, two.
package typosquat

import (
	"bufio"
	_ "embed"
	"strings"
)

//go:generate sh gen.sh

//go:embed popular-npm.txt
var popularNPM string

// Snapshot is npm's high-impact names shipped with the binary, most
// impactful first (popular-npm.txt; gen.sh regenerates it from the
// npm-high-impact package).
func Snapshot() []string {
	var names []string
	sc := bufio.NewScanner(strings.NewReader(popularNPM))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			names = append(names, l)
		}
	}
	return names
}

// Match is a popular name a new name resembles, and how.
type Match struct {
	Popular string
	// Why says how the names resemble each other, as a clause after
	// "the name": "differs from it only by one typo".
	Why string
}

// Why the names resemble each other.
const (
	WhySame  = "is the same once case, separators (- _ .) and look-alike characters (l/1/I, o/0, rn/m, vv/w) are ignored"
	WhyScope = "moves the scope into the name or out of it"
	WhyAffix = "adds or drops an affix such as -js, .js, node- or -node"
	WhyTypo  = "differs from it by a typo (a transposed, missing, repeated or changed character)"
)

// form is a name taken apart for comparison.
type form struct {
	name  string
	scope string // the scope's skeleton, "" if unscoped
	full  string // skeleton of scope and name together
	bare  string // skeleton of the name without its scope
	// reduced is full with the -js/node affixes of its name's parts
	// dropped.
	reduced string
}

// affixes are the parts a name can gain or lose to pass for another.
var affixes = map[string]bool{"js": true, "node": true, "nodejs": true}

func analyse(name string) form {
	f := form{name: name}
	rest := name
	if strings.HasPrefix(rest, "@") {
		if i := strings.IndexByte(rest, '/'); i > 0 {
			f.scope = Skeleton(rest[1:i])
			rest = rest[i+1:]
		}
	}
	f.bare = Skeleton(rest)
	f.full = f.scope + f.bare
	var parts []string
	for _, p := range strings.FieldsFunc(lookalikes(rest), isSep) {
		if affixes[p] {
			continue
		}
		if len(p) > 4 && strings.HasSuffix(p, "js") {
			p = strings.TrimSuffix(p, "js")
		}
		parts = append(parts, p)
	}
	f.reduced = f.scope + strings.Join(parts, "")
	return f
}

var digraphs = strings.NewReplacer("rn", "m", "vv", "w")

func isSep(r rune) bool { return r == '-' || r == '_' || r == '.' }

// lookalikes lowercases s and maps the ASCII characters that pass for
// others to one of them: I and 1 to l, 0 to o, rn to m, vv to w.
func lookalikes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 'I' || c == '1' || c == '|':
			c = 'l'
		case c == '0':
			c = 'o'
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	out := b.String()
	if strings.Contains(out, "rn") || strings.Contains(out, "vv") {
		out = digraphs.Replace(out)
	}
	return out
}

// Skeleton is the normalised form two names share when one imitates the
// other by case, separators or look-alike characters: lowercase, ASCII
// look-alikes mapped, separators (runs of - _ .) dropped.
func Skeleton(s string) string {
	s = lookalikes(s)
	if strings.ContainsAny(s, "-_.") {
		s = strings.Map(func(r rune) rune {
			if isSep(r) {
				return -1
			}
			return r
		}, s)
	}
	return s
}

// Index holds the popular names ready for comparison, so that one check
// costs microseconds: exact lookups by skeleton and by reduced form, and
// the skeletons bucketed by length for the edit distance.
type Index struct {
	popular   map[string]bool
	entries   []form
	byFull    map[string][]int32
	byBare    map[string][]int32 // unscoped names only
	byReduced map[string][]int32
	// near buckets the skeletons by length and by their first and
	// second characters (nearKey): a name one or two typos away shares
	// its length give or take two and one of those characters with it,
	// unless both typos fall on its first two characters.
	near map[uint32][]int32
}

func nearKey(length int, pos, c byte) uint32 { return uint32(length)<<9 | uint32(pos)<<8 | uint32(c) }

// New indexes the popular names; duplicates are ignored.
func New(names []string) *Index {
	x := &Index{popular: map[string]bool{}, byFull: map[string][]int32{}, byBare: map[string][]int32{},
		byReduced: map[string][]int32{}, near: map[uint32][]int32{}}
	for _, n := range names {
		if n == "" || x.popular[n] {
			continue
		}
		x.popular[n] = true
		f := analyse(n)
		i := int32(len(x.entries))
		x.entries = append(x.entries, f)
		x.byFull[f.full] = append(x.byFull[f.full], i)
		if f.scope == "" {
			x.byBare[f.bare] = append(x.byBare[f.bare], i)
		}
		if len(f.reduced) >= 4 {
			x.byReduced[f.reduced] = append(x.byReduced[f.reduced], i)
		}
		for pos := 0; pos < 2 && pos < len(f.full); pos++ {
			k := nearKey(len(f.full), byte(pos), f.full[pos])
			x.near[k] = append(x.near[k], i)
		}
	}
	return x
}

// Len is the number of names indexed.
func (x *Index) Len() int { return len(x.entries) }

// Match returns the popular name that name resembles, if any. A popular
// name itself never matches; nor does a name under the same scope as the
// popular one (the scope's owner publishes both).
func (x *Index) Match(name string) (Match, bool) {
	if x.popular[name] {
		return Match{}, false
	}
	return x.match(name)
}

// match is Match for a name that may itself be popular (its own entry
// never matches it).
func (x *Index) match(name string) (Match, bool) {
	q := analyse(name)
	other := func(i int32) bool {
		e := x.entries[i]
		return e.name != name && (q.scope == "" || e.scope != q.scope)
	}
	for _, i := range x.byFull[q.full] {
		if other(i) {
			why := WhySame
			if x.entries[i].scope != q.scope {
				why = WhyScope
			}
			return Match{Popular: x.entries[i].name, Why: why}, true
		}
	}
	if q.scope != "" {
		// A scoped name is compared without its scope too: a fork under
		// one's own scope keeps the name exactly, an imitation does not.
		for _, i := range x.byBare[q.bare] {
			if e := x.entries[i]; e.name != name[strings.IndexByte(name, '/')+1:] {
				return Match{Popular: e.name, Why: WhySame}, true
			}
		}
	}
	if len(q.reduced) >= 4 {
		for _, i := range x.byReduced[q.reduced] {
			if other(i) {
				return Match{Popular: x.entries[i].name, Why: WhyAffix}, true
			}
		}
	}
	if m, ok := x.typo(q.full, func(i int32) bool { return other(i) }); ok {
		return m, true
	}
	if q.scope != "" {
		return x.typo(q.bare, func(i int32) bool { return x.entries[i].scope == "" })
	}
	return Match{}, false
}

// typo finds a popular name whose skeleton is within its threshold of s.
func (x *Index) typo(s string, eligible func(int32) bool) (Match, bool) {
	var rows [3][]int
	for l := len(s) - 2; l <= len(s)+2; l++ {
		limit := threshold(l)
		if limit == 0 || abs(l-len(s)) > limit {
			continue
		}
		for _, k := range nearKeys(l, s) {
			for _, i := range x.near[k] {
				p := x.entries[i].full
				if !eligible(i) || !typoOf(s, p, limit, &rows) {
					continue
				}
				return Match{Popular: x.entries[i].name, Why: WhyTypo}, true
			}
		}
	}
	return Match{}, false
}

// nearKeys are the buckets of names of length l that may be a typo
// away from s: those whose first or second character is s's first or
// second (an entry in two of them is compared twice, which is harmless).
func nearKeys(l int, s string) []uint32 {
	var keys []uint32
	for pos := byte(0); pos < 2; pos++ {
		for j := 0; j < 2 && j < len(s); j++ {
			if j == 1 && s[1] == s[0] {
				break
			}
			keys = append(keys, nearKey(l, pos, s[j]))
		}
	}
	return keys
}

// threshold is the edit distance within which a name of n characters
// (its skeleton) is imitated.
func threshold(n int) int {
	switch {
	case n <= 4:
		return 0
	case n < 12:
		return 1
	default:
		return 2
	}
}

// typoOf says whether s is a typo of the popular p: within limit edits
// (optimal string alignment distance: insertions, deletions,
// substitutions and adjacent transpositions); for a short p (up to 8
// characters), only one of the typos people make: an omitted character, a
// repeated one, or two swapped. A name of 4 characters or fewer is too
// short to call a typo.
func typoOf(s, p string, limit int, rows *[3][]int) bool {
	if s == p || len(s) <= 4 {
		return false // same skeleton: reported as such; a name of 4 is no typo
	}
	if osa(s, p, limit, rows) > limit {
		return false
	}
	if len(p) > 8 {
		return true
	}
	switch len(s) - len(p) {
	case -1: // omission; but a dropped first character (jquery, query) or
		// version digit (robot3, robot) is most often another word
		last := p[len(p)-1]
		return s != p[1:] && (s != p[:len(p)-1] || last < '0' || last > '9')
	case 1: // repetition: s doubles one of p's characters
		for i := 0; i+1 < len(s); i++ {
			if s[i] == s[i+1] && s[:i]+s[i+1:] == p {
				return true
			}
		}
		return false
	default: // transposition, not a changed character
		for i := 0; i+1 < len(s); i++ {
			if s[i] != p[i] {
				return s[i] == p[i+1] && s[i+1] == p[i] && s[i+2:] == p[i+2:]
			}
		}
		return false
	}
}

// osa is the optimal string alignment distance between a and b, or
// limit+1 once it is certain to exceed limit.
func osa(a, b string, limit int, rows *[3][]int) int {
	if abs(len(a)-len(b)) > limit {
		return limit + 1
	}
	n := len(b) + 1
	for k := range rows {
		if cap(rows[k]) < n {
			rows[k] = make([]int, n)
		}
		rows[k] = rows[k][:n]
	}
	prev2, prev, cur := rows[0], rows[1], rows[2]
	for j := range n {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := i
		for j := 1; j < n; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[n-1]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
