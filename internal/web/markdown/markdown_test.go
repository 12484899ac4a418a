package markdown

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

var (
	tagRE  = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s"'>/=]+(?:="[^"]*")?)*)\s*/?>`)
	attrRE = regexp.MustCompile(`\s+([^\s"'>/=]+)(?:="([^"]*)")?`)
	// A URL a browser would follow to run script.
	// scriptURL matches a URL a browser would run: a script scheme, after
	// leading spaces and control characters (which browsers skip). Tabs
	// and newlines inside are removed first, as browsers do (see isScriptURL).
	// A name without the colon ("javascript") is a relative link.
	scriptURL = regexp.MustCompile(`(?i)^[\x00-\x20]*(javascript:|vbscript:|data:text)`)
	// Elements that must not come out of a README.
	badElements = map[string]bool{"script": true, "iframe": true, "object": true, "embed": true, "form": true,
		"style": true, "link": true, "meta": true, "base": true, "svg": true, "math": true, "frame": true, "textarea": true, "button": true}
)

// unsafeHTML returns what in out must never come out of renderMarkdown: a
// script element or other active element, an event handler, an id (DOM
// clobbering: an element with id "x" is window.x), a style attribute, or a
// URL a browser would follow to run script. "" means out is safe.
func unsafeHTML(out string) string {
	if m := regexp.MustCompile(`(?i)<\s*script`).FindString(out); m != "" {
		return m
	}
	for _, tag := range tagRE.FindAllStringSubmatch(out, -1) {
		name := strings.ToLower(tag[2])
		if badElements[name] {
			return tag[0]
		}
		if name == "input" && !strings.Contains(tag[3], `type="checkbox"`) {
			return tag[0] // only task-list checkboxes
		}
		for _, a := range attrRE.FindAllStringSubmatch(tag[3], -1) {
			attr := strings.ToLower(a[1])
			switch {
			case strings.HasPrefix(attr, "on"), attr == "id", attr == "name", attr == "style", attr == "formaction":
				return tag[0]
			case (attr == "href" || attr == "src" || attr == "action") && scriptURL.MatchString(strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(html.UnescapeString(a[2]))):
				return tag[0]
			}
		}
	}
	return ""
}

func TestRenderMarkdownIsSafe(t *testing.T) {
	for _, src := range []string{
		"<script>window.__pwned = 1</script>",
		"<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
		"text <script>alert(1)</script> inline",
		"<img src=x onerror=alert(1)>",
		"<a href=\"javascript:alert(1)\">x</a>",
		"<iframe src=\"https://evil.example\"></iframe>",
		"<style>body{display:none}</style>",
		"<div style=\"position:fixed\">x</div>",
		"[x](javascript:alert(1))",
		"[x](JAVASCRIPT:alert(1))",
		"[x]( javascript:alert(1) )",
		"[x](<javascript:alert(1)>)",
		"[x](java&#x09;script:alert(1))",
		"[x](&#106;avascript:alert(1))",
		"[x](&#x6A;avascript:alert(1))",
		"[x](jav&#x61;script:alert(1))",
		"[x](&amp;#106;avascript:alert(1))",
		"[x](java\x01script:alert(1))",
		"[x](java\x7fscript:alert(1))",
		"[x](jav\\ascript:alert(1))",
		"[x](javascript&colon;alert(1))",
		"![x](&#106;avascript:alert(1))",
		"[x](vbscript:msgbox(1))",
		"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"[x][ref]\n\n[ref]: javascript:alert(1)",
		"<javascript:alert(1)>",
		"<JavaScript:alert(1)>",
		"![x](javascript:alert(1))",
		"![x](data:text/html,<script>alert(1)</script>)",
		"# __pwned\n\n## heading {#__pwned}",
		"<a id=\"__pwned\">x</a>",
		"```html\n<script>alert(1)</script>\n```",
		"`<script>alert(1)</script>`",
		"| a | b |\n|---|---|\n| <script>x</script> | [y](javascript:1) |",
		"- [x] <img src=x onerror=alert(1)>",
	} {
		got, err := Render(src)
		if err != nil {
			t.Fatal(err)
		}
		if m := unsafeHTML(string(got)); m != "" {
			t.Errorf("Render(%q) = %q: contains %q", src, got, m)
		}
	}
}

func TestRenderMarkdownKeepsContent(t *testing.T) {
	for src, want := range map[string]string{
		"# Title":                            "<h1>Title</h1>",
		"## Sub":                             "<h2>Sub</h2>",
		"[docs](https://example.com/a?b)":    `<a href="https://example.com/a?b" rel="nofollow ugc noopener noreferrer">docs</a>`,
		"[rel](./docs/API.md)":               `<a href="./docs/API.md" rel="nofollow ugc noopener noreferrer">rel</a>`,
		"[mail](mailto:a@example.com)":       `href="mailto:a@example.com"`,
		"see https://example.com/x":          `<a href="https://example.com/x" rel="nofollow ugc noopener noreferrer">https://example.com/x</a>`,
		"<https://example.com>":              `<a href="https://example.com" rel="nofollow ugc noopener noreferrer">https://example.com</a>`,
		"![logo](https://example.com/l.png)": `<img src="https://example.com/l.png" alt="logo">`,
		"`a < b`":                            "<code>a &lt; b</code>",
		"| a |\n|---|\n| 1 |":                "<td>1</td>",
		"~~old~~":                            "<del>old</del>",
		"<javascript:alert(1)>":              "javascript:alert(1)", // kept as text
	} {
		got, err := Render(src)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(got), want) {
			t.Errorf("Render(%q) = %q, want it to contain %q", src, got, want)
		}
	}
}

func FuzzRenderMarkdown(f *testing.F) {
	for _, s := range []string{"# x", "<script>x</script>", "[a](javascript:b)", "<javascript:x>", "![i](data:image/png;base64,AA==)", "<a href='x' onclick='y'>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		got, err := Render(src)
		if err != nil {
			t.Fatal(err)
		}
		if m := unsafeHTML(string(got)); m != "" {
			t.Fatalf("Render(%q) = %q: contains %q", src, got, m)
		}
	})
}

// The safety oracle itself: it must flag what a browser would run and
// pass what it would not, or the tests above prove nothing.
func TestUnsafeHTMLOracle(t *testing.T) {
	for out, bad := range map[string]bool{
		`<a href="javascript:alert(1)">x</a>`:         true,
		`<a href=" JaVaScRiPt:alert(1)">x</a>`:        true,
		`<a href="jav&#x09;ascript:alert(1)">x</a>`:   true,
		`<img src="data:text/html,x">`:                true,
		`<p onclick="x">`:                             true,
		`<script>`:                                    true,
		`<a href="jAvAsCript">relative</a>`:           false,
		`<a href="https://example.com/javascript:x">`: false,
		`<img src="data:image/png;base64,AA==">`:      false,
	} {
		if got := unsafeHTML(out) != ""; got != bad {
			t.Errorf("unsafeHTML(%q) flagged = %v, want %v", out, got, bad)
		}
	}
}
