package web

import "testing"

func TestRepositoryURL(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{"https://github.com/a/b", "https://github.com/a/b"},
		{map[string]any{"type": "git", "url": "git+https://github.com/a/b.git"}, "https://github.com/a/b"},
		{"git://github.com/a/b.git", "https://github.com/a/b"},
		{"github:a/b", "https://github.com/a/b"},
		{"a/b", "https://github.com/a/b"},
		{"javascript:alert(1)", ""},
		{map[string]any{"url": "javascript://github.com/%0Aalert(1)"}, ""},
		{"https://user:pw@github.com/a/b", ""},
		{"git@github.com:a/b.git", ""},
		{42, ""},
		{nil, ""},
	} {
		if got := repositoryURL(tc.in); got != tc.want {
			t.Errorf("repositoryURL(%#v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
