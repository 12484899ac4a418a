package identity

import (
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
)

// TestReservedNames: staff names and their look-alikes are refused at
// sign-up, saying which name they clash with; ordinary names, also ones
// that merely contain a staff word, are not.
func TestReservedNames(t *testing.T) {
	for name, reads := range map[string]string{
		"admin": "", "root": "", "security": "", "support": "", "npm": "", "registry": "", "rampart": "",
		"administrator": "", "moderator": "", "staff": "", "help": "", "abuse": "", "postmaster": "",
		"hostmaster": "", "webmaster": "", "noreply": "", "system": "", "api": "", "www": "",
		"adm1n": "admin", "r00t": "root", "a.d.m.i.n": "admin", "adrnin": "admin", "s3curity": "security",
		"no-reply": "", "n0reply": "", "rarnpart": "rampart", "5upport": "support", "w-w-w": "www",
	} {
		err := checkReservedName(name)
		if core.KindOf(err) != core.KindForbidden {
			t.Errorf("%q: %v, want refused", name, err)
			continue
		}
		if reads != "" && !strings.Contains(core.Message(err), `reads like "`+reads+`"`) {
			t.Errorf("%q: %q, want it to name %q", name, core.Message(err), reads)
		}
	}
	for _, name := range []string{"alice", "bob", "admin-tools", "rooted", "securityfan", "npmjs-mirror-user", "helpful", "dora", "carol"} {
		if err := checkReservedName(name); err != nil {
			t.Errorf("%q: %v, want allowed", name, err)
		}
	}
}
