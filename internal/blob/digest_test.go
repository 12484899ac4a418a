package blob

import "testing"

// TestDigestOfKnownAnswers holds DigestOf to SHA-512 as sha512sum prints
// it: every store names files by it, and a backup is checked against it,
// so it must match what an operator computes by hand.
func TestDigestOfKnownAnswers(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
		{"hello, rampart\n", "46fc16ccab69fb074b3a2b8f358949bdaa80888a64b386fd7acb1d692186a273803580ae3c8beaf9feccbcd97e5c0de347bcdf0fd0c115d547cc69e90d84263a"},
	} {
		d := DigestOf([]byte(c.in))
		if string(d) != c.want || !d.Valid() {
			t.Errorf("DigestOf(%q) = %s, want %s (printf %%s %q | sha512sum)", c.in, d, c.want, c.in)
		}
	}
}
