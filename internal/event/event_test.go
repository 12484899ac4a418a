package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// coreEventTypes reads every Event* string constant declared in
// internal/core, so that a new event type without a payload fails here.
func coreEventTypes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../core/*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if !strings.HasPrefix(id.Name, "Event") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					s, _ := strconv.Unquote(lit.Value)
					out = append(out, s)
				}
			}
		}
	}
	slices.Sort(out)
	if len(out) < 30 {
		t.Fatalf("found only %d event types in internal/core: is the parser reading the right folder?", len(out))
	}
	return out
}

func TestEveryEventTypeHasAPayload(t *testing.T) {
	want := coreEventTypes(t)
	if got := Types(); !slices.Equal(got, want) {
		t.Fatalf("payload types\n got %q\nwant %q (every core.Event* constant, and no other)", got, want)
	}
	// Schema 2 added the facts of the owners', publish and critical notice,
	// and of the account security notices (mailed from the outbox); every
	// other type is at its first schema.
	atTwo := map[string]bool{core.EventOwnerAdd: true, core.EventOwnerRemove: true, core.EventPublish: true, core.EventCriticalChange: true,
		core.EventTokenCreate: true, core.EventPasswordReset: true, core.EventPasswordChange: true, core.EventPasswordCompromised: true,
		core.EventEmailChangeSent: true, core.EventEmailChanged: true, core.EventMFAAdd: true, core.EventMFARemove: true,
		core.EventRecoveryCodeUsed: true, core.EventRecoveryCodesRegenerated: true, core.EventMFAFailures: true, core.EventNewDevice: true,
		core.EventAccountRecoveryCancel: true,
		// and of the package notices of unpublish, deprecation and dist-tags
		core.EventUnpublish: true, core.EventUnpublishAll: true, core.EventDeprecate: true,
		core.EventDistTagSet: true, core.EventDistTagRemove: true,
		// and of the moderators alerted to a scan's hold
		core.EventQuarantine: true,
		// and of a proxied version's hold (its reason and the moderators)
		core.EventUpstreamQuarantine: true}
	for _, typ := range want {
		w := 1
		if atTwo[typ] {
			w = 2
		}
		if Schema(typ) != w {
			t.Errorf("%s: schema %d, want %d", typ, Schema(typ), w)
		}
	}
}

// filled returns the payload of typ with every field set from seed.
func filled(typ string, strs []string, n int64, at time.Time) Payload {
	c := codecs[typ]
	v := reflect.New(c.typ).Elem()
	i := 0
	next := func() string {
		if len(strs) == 0 {
			return ""
		}
		i++
		return strs[(i-1)%len(strs)]
	}
	for j := range v.NumField() {
		f := v.Field(j)
		switch {
		case f.Type() == timeType:
			f.Set(reflect.ValueOf(at))
		case f.Kind() == reflect.String:
			f.SetString(next())
		case f.Kind() == reflect.Bool:
			f.SetBool(n%2 == 1)
		case f.Kind() == reflect.Int, f.Kind() == reflect.Int64:
			f.SetInt(n + int64(j))
		case f.Kind() == reflect.Slice:
			var l []string
			for range int(n%3) + 1 {
				l = append(l, next())
			}
			f.Set(reflect.ValueOf(l))
		}
	}
	return v.Interface().(Payload)
}

func TestRoundTripEveryType(t *testing.T) {
	at := time.Date(2026, 12, 5, 18, 4, 5, 123_000_000, time.UTC)
	for _, typ := range Types() {
		for _, p := range []Payload{
			reflect.New(codecs[typ].typ).Elem().Interface().(Payload), // zero
			filled(typ, []string{"alice", "é\"\\\n\u2028<&>", "x"}, 7, at),
		} {
			pub, per := Encode(p)
			pub2, per2 := Encode(p)
			if !bytes.Equal(pub, pub2) || !bytes.Equal(per, per2) {
				t.Fatalf("%s: two encodings differ", typ)
			}
			if !json.Valid(pub) || (per != nil && !json.Valid(per)) {
				t.Fatalf("%s: invalid JSON %s / %s", typ, pub, per)
			}
			got, err := Decode(typ, Schema(typ), pub, per)
			if err != nil {
				t.Fatalf("%s: Decode(%s, %s): %v", typ, pub, per, err)
			}
			if !reflect.DeepEqual(got, p) {
				t.Fatalf("%s: decoded %#v, want %#v", typ, got, p)
			}
			e := p.(interface{ Type() string })
			if e.Type() != typ {
				t.Fatalf("Type() %q, want %q", e.Type(), typ)
			}
		}
	}
}

func TestPersonalDataStaysOutOfThePublicPart(t *testing.T) {
	ip, agent, email := "192.0.2.77", "Mozilla/5.0 (Secret)", "a***@private.example"
	cases := []Payload{
		NewDevice{User: "alice", Via: "web", IP: ip, UserAgent: agent},
		EmailChangeSent{User: "alice", Email: email, IP: ip},
		MFAFailures{User: "alice", Failures: 5, IP: ip},
		EmailDomainAbandoned{User: "alice", Email: email, Domain: "private.example", Reasons: []string{"private.example has no MX"}},
		TokenCreate{Key: "k", Name: "laptop of " + agent, CIDRs: []string{ip + "/32"}},
	}
	for _, p := range cases {
		pub, per := Encode(p)
		for _, secret := range []string{ip, agent, email, "private.example"} {
			if bytes.Contains(pub, []byte(secret)) {
				t.Errorf("%s: public part %s holds %q", p.Type(), pub, secret)
			}
		}
		if len(per) == 0 {
			t.Errorf("%s: no personal part", p.Type())
		}
	}
	if _, per := Encode(AccessChange{Access: "public"}); per != nil {
		t.Errorf("AccessChange has a personal part %s, want nil", per)
	}
}

// TestExactBytes pins the encoding: these bytes are what a log hashes.
func TestExactBytes(t *testing.T) {
	at := time.Date(2026, 12, 5, 18, 4, 5, 123_999_999, time.FixedZone("X", 3600))
	cases := []struct {
		p             Payload
		public, perso string
	}{
		{Publish{Integrity: "sha512-AA==", Tag: "latest", Token: ""},
			`{"integrity":"sha512-AA==","tag":"latest","token":""}`, `{"ip":"","notify":[],"via":""}`},
		{Unpublish{Integrity: "sha512-AA=="}, `{"integrity":"sha512-AA=="}`, `{"ip":"","notify":[],"versions":[],"via":""}`},
		{DistTagSet{Tag: "next", From: "1.0.0", Notify: []string{"alice"}}, `{"from":"1.0.0","tag":"next"}`, `{"ip":"","notify":["alice"],"via":""}`},
		{NameRelease{}, `{}`, ``},
		{NewDevice{User: "bob", Via: "npm", IP: "::1", UserAgent: "a\"b\\c\x01\t</\u2028é"},
			`{"user":"bob","via":"npm"}`, `{"ip":"::1","notice_to":[],"user_agent":"a\"b\\c\u0001\t</` + "\u2028" + `é"}`},
		{TokenCreate{Key: "K", Kind: "api", Actions: []string{"read"}, Expires: at},
			`{"actions":["read"],"expires":"2026-12-05T17:04:05.123Z","key":"K","kind":"api","packages":[]}`, `{"cidrs":[],"name":"","notice_to":[]}`},
		{CriticalChange{TopPercent: Decimal(0.5), MinDownloads: 1000, WindowDays: 30},
			`{"became_critical":[],"computed":[],"designated":false,"key_required_from":null,"min_downloads":1000,"top_percent":"0.5","window_days":30}`, `{"notify":[],"recipients":[]}`},
		{AccountCreate{User: "bad\xffutf8"}, `{"admin":false,"user":"bad` + "\uFFFD" + `utf8"}`, ``},
	}
	for _, c := range cases {
		pub, per := Encode(c.p)
		if string(pub) != c.public || string(per) != c.perso {
			t.Errorf("%s:\n got %s | %s\nwant %s | %s", c.p.Type(), pub, per, c.public, c.perso)
		}
	}
}

func TestDecodeRefusesWhatEncodeNeverWrites(t *testing.T) {
	typ := core.EventTokenCreate
	good := `{"actions":["read"],"expires":"2026-12-05T17:04:05.123Z","key":"K","kind":"api","packages":[]}`
	per := []byte(`{"cidrs":[],"name":""}`)
	if _, err := Decode(typ, 1, []byte(good), per); err != nil {
		t.Fatalf("the good form: %v", err)
	}
	bad := map[string]string{
		"space":          `{"actions": ["read"],"expires":"2026-12-05T17:04:05.123Z","key":"K","kind":"api","packages":[]}`,
		"order":          `{"expires":"2026-12-05T17:04:05.123Z","actions":["read"],"key":"K","kind":"api","packages":[]}`,
		"missing":        `{"actions":["read"],"expires":"2026-12-05T17:04:05.123Z","key":"K","kind":"api"}`,
		"unknown":        `{"actions":["read"],"expires":"2026-12-05T17:04:05.123Z","key":"K","kind":"api","packages":[],"z":1}`,
		"duplicate":      `{"actions":["read"],"expires":"2026-12-05T17:04:05.123Z","key":"J","key":"K","kind":"api","packages":[]}`,
		"escape":         `{"actions":["read"],"expires":"2026-12-05T17:04:05.123Z","key":"\u004b","kind":"api","packages":[]}`,
		"null list":      `{"actions":["read"],"expires":"2026-12-05T17:04:05.123Z","key":"K","kind":"api","packages":null}`,
		"seconds":        `{"actions":["read"],"expires":"2026-12-05T17:04:05Z","key":"K","kind":"api","packages":[]}`,
		"offset":         `{"actions":["read"],"expires":"2026-12-05T18:04:05.123+01:00","key":"K","kind":"api","packages":[]}`,
		"zero time":      `{"actions":["read"],"expires":"0001-01-01T00:00:00.000Z","key":"K","kind":"api","packages":[]}`,
		"personal here":  `{"actions":["read"],"cidrs":[],"expires":"2026-12-05T17:04:05.123Z","key":"K","kind":"api","name":"","packages":[]}`,
		"trailing space": good + " ",
	}
	for name, b := range bad {
		if _, err := Decode(typ, 1, []byte(b), per); err == nil {
			t.Errorf("%s: Decode accepted %s", name, b)
		}
	}
	if _, err := Decode(core.EventRecoveryCodeUsed, 1, []byte(`{"left":1.0,"user":"a"}`), nil); err == nil {
		t.Error("Decode accepted a float")
	}
	if _, err := Decode(core.EventRecoveryCodeUsed, 1, []byte(`{"left":1e0,"user":"a"}`), nil); err == nil {
		t.Error("Decode accepted an exponent")
	}
	if _, err := Decode(core.EventUnpublish, 1, []byte(`{"integrity":""}`), []byte(`{}`)); err == nil {
		t.Error("Decode accepted a personal part for a type without one")
	}
	if _, err := Decode(core.EventUnpublish, 3, []byte(`{"integrity":""}`), nil); err == nil {
		t.Error("Decode accepted an unknown schema")
	}
	if _, err := Decode(core.EventPublish, 1, []byte(`{"integrity":"","tag":"","token":""}`), []byte(`{}`)); err == nil {
		t.Error("Decode accepted a personal part for a schema without one")
	}
	if _, err := Decode(core.EventPublish, 3, []byte(`{"integrity":"","tag":"","token":""}`), nil); err == nil {
		t.Error("Decode accepted an unknown schema")
	}
	if _, err := Decode("no.such", 1, []byte(`{}`), nil); err == nil {
		t.Error("Decode accepted an unknown type")
	}
	_, err := Decode(typ, 1, []byte(bad["order"]), per)
	if !errors.Is(err, ErrNotCanonical) {
		t.Errorf("key order: error %v, want ErrNotCanonical", err)
	}
}

func TestAtFillsTheEvent(t *testing.T) {
	now := time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)
	e := Publish{Integrity: "sha512-x", Tag: "latest", Token: "tk"}.At(now, "alice", "left-pad", "1.0.0")
	if e.Type != core.EventPublish || e.Schema != 2 || e.Actor != "alice" || e.Package != "left-pad" || e.Version != "1.0.0" || !e.At.Equal(now) {
		t.Fatalf("At: %+v", e)
	}
	if string(e.Data) != `{"integrity":"sha512-x","tag":"latest","token":"tk"}` {
		t.Fatalf("Data %s", e.Data)
	}
	e = AccessChange{Access: "public"}.At(now, "alice", "left-pad", "")
	if e.Type != core.EventAccessChange || e.Schema != 1 || e.Personal != nil {
		t.Fatalf("At: %+v", e)
	}
	e = MFAAdd{User: "alice", Method: "totp"}.At(now, "alice")
	if e.Package != "" || string(e.Personal) != `{"ip":"","name":"","notice_to":[]}` {
		t.Fatalf("At: %+v", e)
	}
	p, err := Parse(e)
	if err != nil || !reflect.DeepEqual(p, MFAAdd{User: "alice", Method: "totp"}) {
		t.Fatalf("Parse: %#v, %v", p, err)
	}
}

func TestStrings(t *testing.T) {
	if got := Strings([]core.TokenAction{core.TokenRead, core.TokenPublish}); !slices.Equal(got, []string{"read", "publish"}) {
		t.Fatalf("Strings: %q", got)
	}
	if got := Strings([]core.TokenAction{}); got != nil {
		t.Fatalf("Strings of an empty list: %#v, want nil (as decoding gives)", got)
	}
}

// TestOlderSchemaStillDecodes: an owner.add written at schema 1 (the
// user alone) decodes into today's type, and a schema-2 event round-trips
// with its notice facts in the personal part only.
func TestOlderSchemaStillDecodes(t *testing.T) {
	p, err := Decode(core.EventOwnerAdd, 1, []byte(`{"user":"bo"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := p.(OwnerAdd); !ok || got.User != "bo" || got.Via != "" || got.Notify != nil {
		t.Fatalf("schema 1 decoded to %#v", p)
	}
	if _, err := Decode(core.EventOwnerAdd, 1, []byte(`{"user":"bo"}`), []byte(`{}`)); err == nil {
		t.Fatal("a schema-1 owner.add with a personal part decoded")
	}
	if _, err := Decode(core.EventOwnerAdd, 3, []byte(`{"user":"bo"}`), nil); err == nil {
		t.Fatal("an unknown schema decoded")
	}
	e := OwnerAdd{User: "bo", Via: "a signed-in browser", IP: "192.0.2.1", Notify: []string{"al", "bo"}}.At(time.Unix(0, 0), "al", "left-pad", "")
	if e.Schema != 2 || string(e.Data) != `{"user":"bo"}` {
		t.Fatalf("schema %d, public %s", e.Schema, e.Data)
	}
	if string(e.Personal) != `{"ip":"192.0.2.1","notify":["al","bo"],"via":"a signed-in browser"}` {
		t.Fatalf("personal %s", e.Personal)
	}
	back, err := Parse(e)
	if err != nil || back.(OwnerAdd).IP != "192.0.2.1" {
		t.Fatalf("round trip: %#v, %v", back, err)
	}
}

// TestOlderPublishStillDecodes: a publish written at schema 1 (no notice
// facts) decodes into today's type with them empty, and a schema-2 one
// keeps them in the personal part only.
func TestOlderPublishStillDecodes(t *testing.T) {
	p, err := Decode(core.EventPublish, 1, []byte(`{"integrity":"sha512-x","tag":"latest","token":"tk"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := p.(Publish); !ok || got.Integrity != "sha512-x" || got.Token != "tk" || got.Via != "" || got.Notify != nil {
		t.Fatalf("schema 1 decoded to %#v", p)
	}
	e := Publish{Integrity: "sha512-x", Tag: "latest", Via: "a signed-in browser", IP: "192.0.2.1", Notify: []string{"al", "bo"}}.At(time.Unix(0, 0), "al", "left-pad", "1.0.0")
	if e.Schema != 2 || string(e.Data) != `{"integrity":"sha512-x","tag":"latest","token":""}` {
		t.Fatalf("schema %d, public %s", e.Schema, e.Data)
	}
	if string(e.Personal) != `{"ip":"192.0.2.1","notify":["al","bo"],"via":"a signed-in browser"}` {
		t.Fatalf("personal %s", e.Personal)
	}
	back, err := Parse(e)
	if err != nil || !slices.Equal(back.(Publish).Notify, []string{"al", "bo"}) {
		t.Fatalf("round trip: %#v, %v", back, err)
	}
}

// TestOlderCriticalChangeStillDecodes: a critical change written at
// schema 1 (nobody to tell) decodes into today's type.
func TestOlderCriticalChangeStillDecodes(t *testing.T) {
	p, err := Decode(core.EventCriticalChange, 1, []byte(`{"became_critical":[],"computed":[],"designated":true,"key_required_from":null,"min_downloads":0,"top_percent":"0","window_days":0}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := p.(CriticalChange); !ok || !got.Designated || got.Notify != nil {
		t.Fatalf("schema 1 decoded to %#v", p)
	}
}
