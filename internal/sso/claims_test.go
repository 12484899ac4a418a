package sso

import "testing"

// A user name is made from the provider's preferred username, else the
// address's local part, lower-cased with what names may not hold replaced.
func TestUserName(t *testing.T) {
	for _, c := range []struct {
		c    claims
		want string
	}{
		{claims{Username: "Erin.Smith"}, "erin.smith"},
		{claims{Username: "erin@corp.example"}, "erin"},
		{claims{Email: "Dana O'Neil@corp.example"}, "dana-o-neil"},
		{claims{Username: "--x--"}, "x"},
	} {
		if got := userName(c.c); got != c.want {
			t.Errorf("userName(%+v) = %q, want %q", c.c, got, c.want)
		}
	}
}

// email_verified may come as a boolean or, from some providers, a string;
// groups are read from the configured claim, ignoring what is not a string.
func TestClaimsRead(t *testing.T) {
	c := claims{raw: map[string]any{"email": "a@b.example", "email_verified": "true", "roles": []any{"eng", 7, "ops"}}}
	c.read("roles")
	if !c.EmailVerified || c.Email != "a@b.example" || len(c.Groups) != 2 || c.Groups[1] != "ops" {
		t.Fatalf("read = %+v", c)
	}
	c = claims{raw: map[string]any{"email_verified": false, "groups": []any{"eng"}}}
	c.read("roles")
	if c.EmailVerified || len(c.Groups) != 0 {
		t.Fatalf("read = %+v", c)
	}
}
