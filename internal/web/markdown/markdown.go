// Package markdown renders untrusted Markdown (READMEs, policies) into
// HTML that is safe to put in a page.
package markdown

import (
	"bytes"
	"html/template"
	"net/url"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown renders READMEs and policies. It is goldmark's safe mode: no
// html.WithUnsafe, so raw HTML in the source is replaced by a comment and
// javascript:, vbscript:, file: and data: links lose their target. On top
// of that, linkPolicy allows only http, https and mailto links (goldmark
// leaves <javascript:...> autolinks alone) and marks links nofollow.
//
// Deliberately absent: automatic heading IDs and the attribute syntax
// ({#id}), which would let a README put ids on the page and clobber names
// in the DOM (an element with id "x" is window.x).
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(linkPolicy{}, 1000))),
)

// Render turns untrusted Markdown into HTML that is safe to put in
// a page: the only place this package makes a template.HTML.
func Render(src string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil
}

// linkRel is set on every link in rendered Markdown: the registry does not
// vouch for links in READMEs, and the target gets no window.opener.
var linkRel = []byte("nofollow ugc noopener noreferrer")

// linkPolicy turns links and images whose URL is not allowed into their
// text. It judges the URL the renderer will write (goldmark resolves
// character references and drops some bytes while escaping, so
// "&#106;avascript:" becomes "javascript:" only then) as well as the
// source text.
type linkPolicy struct{}

func (linkPolicy) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	var refused []ast.Node
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			if !allowedLinkURL(n.Destination) || !allowedLinkURL(util.URLEscape(n.Destination, true)) {
				refused = append(refused, n)
			}
			n.SetAttributeString("rel", linkRel)
		case *ast.Image:
			if !allowedImageURL(n.Destination) || !allowedImageURL(util.URLEscape(n.Destination, true)) {
				refused = append(refused, n)
			}
		case *ast.AutoLink:
			u := n.URL(src)
			if !allowedLinkURL(u) || !allowedLinkURL(util.URLEscape(u, false)) {
				refused = append(refused, n)
			}
			n.SetAttributeString("rel", linkRel)
		}
		return ast.WalkContinue, nil
	})
	// Change the tree after the walk: changing it during the walk would
	// skip nodes.
	for _, n := range refused {
		unwrap(n, src)
	}
}

// unwrap replaces a refused link or image by its text.
func unwrap(n ast.Node, src []byte) {
	parent := n.Parent()
	if parent == nil {
		return
	}
	if al, ok := n.(*ast.AutoLink); ok {
		parent.ReplaceChild(parent, n, ast.NewString(al.Label(src)))
		return
	}
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		parent.InsertBefore(parent, n, c) // moves c out of n
		c = next
	}
	parent.RemoveChild(parent, n)
}

// allowedLinkURL accepts relative URLs and http, https and mailto ones.
// Anything a browser might read differently from url.Parse (control
// characters and spaces, which browsers strip from schemes; backslashes,
// which they read as slashes) is refused outright.
func allowedLinkURL(dest []byte) bool {
	scheme, ok := schemeOf(dest)
	return ok && (scheme == "" || scheme == "http" || scheme == "https" || scheme == "mailto")
}

// allowedImageURL accepts relative, http and https URLs, and the data:
// images goldmark considers harmless (png, gif, jpeg, webp, svg: an image
// cannot run script).
func allowedImageURL(dest []byte) bool {
	scheme, ok := schemeOf(dest)
	switch {
	case !ok:
		return false
	case scheme == "data":
		return !html.IsDangerousURL(dest)
	}
	return scheme == "" || scheme == "http" || scheme == "https"
}

// schemeOf returns the lower-cased scheme of dest ("" when relative), and
// false when dest is not a URL to pass on.
func schemeOf(dest []byte) (string, bool) {
	for _, c := range dest {
		if c <= ' ' || c == 0x7f || c == '\\' {
			return "", false
		}
	}
	u, err := url.Parse(string(dest))
	if err != nil {
		return "", false
	}
	return u.Scheme, true // url.Parse lower-cases the scheme
}
