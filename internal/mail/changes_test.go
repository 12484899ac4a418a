package mail_test

import (
	"fmt"
	"strings"
	"testing"

	rmail "github.com/rampart/rampart/internal/mail"
)

// render renders kind with n, failing the test on an error or on a line
// longer than mail allows.
func render(t *testing.T, kind string, n rmail.Notice) (string, string) {
	t.Helper()
	subject, text, _, err := rmail.Render(kind, n)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(text, "\n") {
		if len([]rune(line)) > 78 && !strings.HasPrefix(line, "http") {
			t.Errorf("%s: line %d is %d characters long: %q", kind, i+1, len([]rune(line)), line)
		}
	}
	return subject, text
}

func TestUnpublishedNoticeVariants(t *testing.T) {
	n := sample()
	n.Versions = []string{"1.2.0"}
	subject, text := render(t, rmail.KindPackageUnpublished, n)
	mustHave(t, subject, "left-pad@1.2.0 was unpublished on Example registry")
	mustHave(t, text, "A version of a package", "its version number")

	n.Versions, n.WholePackage = []string{"1.0.0", "1.2.0"}, true
	subject, text = render(t, rmail.KindPackageUnpublished, n)
	mustHave(t, subject, "left-pad was unpublished on Example registry")
	mustHave(t, text, "every version", "its name is held", "Versions:       1.0.0, 1.2.0")

	// Fifty versions in one request: one mail listing them all, wrapped.
	n.WholePackage, n.Versions = false, nil
	for i := range 50 {
		n.Versions = append(n.Versions, fmt.Sprintf("1.%d.0", i))
	}
	subject, text = render(t, rmail.KindPackageUnpublished, n)
	mustHave(t, subject, "50 versions of left-pad were unpublished")
	for _, v := range n.Versions[:49] {
		mustHave(t, text, v+",")
	}
	mustHave(t, text, "1.49.0\n")
}

func TestDeprecatedNoticeWrapsAndBounds(t *testing.T) {
	n := sample()
	var vs []string
	for i := range 50 {
		vs = append(vs, fmt.Sprintf("1.%d.0", i))
	}
	long := strings.Repeat("this package moved to @acme/left-pad, ", 6)
	n.Deprecations = []rmail.Deprecation{{Message: long, Versions: vs}}
	_, text := render(t, rmail.KindPackageDeprecated, n)
	mustHave(t, text, "1.0.0, 1.1.0,", "1.49.0", "Message:     this package moved to")
	if strings.Contains(text, "No longer deprecated") {
		t.Errorf("nothing was un-deprecated:\n%s", text)
	}

	// A request with a message per version lists at most a bounded number
	// of messages; the rest are counted, not dropped.
	n.Deprecations = nil
	for i := range 30 {
		n.Deprecations = append(n.Deprecations, rmail.Deprecation{Message: fmt.Sprintf("msg %d", i), Versions: []string{fmt.Sprintf("2.%d.0", i)}})
	}
	_, text = render(t, rmail.KindPackageDeprecated, n)
	mustHave(t, text, "msg 19", "(other messages)", "2.29.0")
	if strings.Contains(text, "msg 20") {
		t.Errorf("more messages than the bound:\n%s", text)
	}
}

func TestDistTagNoticeVariants(t *testing.T) {
	n := sample()
	n.Tag, n.Version, n.FromVersion = "next", "", "1.2.9"
	subject, text := render(t, rmail.KindDistTagChanged, n)
	mustHave(t, subject, "The next tag of left-pad was removed on Example registry")
	mustHave(t, text, "was removed", "Was:        1.2.9", "no longer work")
	if strings.Contains(text, "Now:") {
		t.Errorf("a removed tag points nowhere:\n%s", text)
	}

	n.Version, n.FromVersion = "2.0.0", ""
	subject, text = render(t, rmail.KindDistTagChanged, n)
	mustHave(t, subject, "The next tag of left-pad now points at 2.0.0")
	mustHave(t, text, "Now:        2.0.0", "Was:        (a new tag)", "left-pad@next\nnow get 2.0.0")
}

func mustHave(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("lacks %q:\n%s", w, text)
		}
	}
}
