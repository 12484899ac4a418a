package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/core"
)

// Payload is the typed data of one event type.
type Payload interface {
	// Type is the event type, one of the core.Event* constants.
	Type() string
}

// ErrNotCanonical is wrapped by Decode when the bytes are well-formed
// JSON but not what Encode writes for any payload.
var ErrNotCanonical = errors.New("not in canonical form")

// timeLayout is RFC 3339 in UTC with exactly three fraction digits.
const timeLayout = "2006-01-02T15:04:05.000Z"

var timeType = reflect.TypeFor[time.Time]()

type kind int

const (
	kindString kind = iota
	kindBool
	kindInt
	kindList
	kindTime
)

// field is one struct field of a payload, as encoded.
type field struct {
	key   string
	index int
	kind  kind
}

// codec is how one payload type encodes: its fields of each part, each
// sorted by key.
type codec struct {
	typ      reflect.Type
	schema   int
	public   []field
	personal []field
	class    Class // who causes events of the type (class.go)
}

// codecs holds every payload type by event type; registry.go fills it.
var codecs = map[string]*codec{}

// register adds a payload type at the given schema number, and returns
// it so that the caller says who causes it: register(T{}, 1).by(Staff)
// (class.go; a test fails on a type registered without). It panics on a
// field it cannot encode: the set of types is fixed at build time and
// the tests register every one of them.
func register(p Payload, schema int) *codec {
	t := reflect.TypeOf(p)
	c := &codec{typ: t, schema: schema}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("event")
		if !ok {
			panic(fmt.Sprintf("event: %s.%s has no event tag", t.Name(), sf.Name))
		}
		key, opt, _ := strings.Cut(tag, ",")
		f := field{key: key, index: i}
		switch {
		case sf.Type == timeType:
			f.kind = kindTime
		case sf.Type.Kind() == reflect.String:
			f.kind = kindString
		case sf.Type.Kind() == reflect.Bool:
			f.kind = kindBool
		case sf.Type.Kind() == reflect.Int || sf.Type.Kind() == reflect.Int64:
			f.kind = kindInt
		case sf.Type.Kind() == reflect.Slice && sf.Type.Elem().Kind() == reflect.String:
			f.kind = kindList
		default:
			panic(fmt.Sprintf("event: %s.%s: type %s cannot be encoded", t.Name(), sf.Name, sf.Type))
		}
		if opt == "personal" {
			c.personal = append(c.personal, f)
		} else {
			c.public = append(c.public, f)
		}
	}
	byKey := func(a, b field) int { return strings.Compare(a.key, b.key) }
	slices.SortFunc(c.public, byKey)
	slices.SortFunc(c.personal, byKey)
	if _, dup := codecs[p.Type()]; dup {
		panic("event: " + p.Type() + " registered twice")
	}
	codecs[p.Type()] = c
	return c
}

// older holds, by event type and schema number, the earlier schemas of a
// type that Decode still reads. Each is a subset of today's fields (a
// new schema only adds fields), so an old event decodes into today's
// type with the added fields at their zero values.
var older = map[string]map[int]*codec{}

// registerOlder records that schema of p's type had only the fields
// named by keys. Call it after register.
func registerOlder(p Payload, schema int, keys ...string) {
	c := codecs[p.Type()]
	if c == nil || schema >= c.schema {
		panic("event: registerOlder " + p.Type() + ": register the current schema first")
	}
	old := &codec{typ: c.typ, schema: schema}
	for _, f := range c.public {
		if slices.Contains(keys, f.key) {
			old.public = append(old.public, f)
		}
	}
	for _, f := range c.personal {
		if slices.Contains(keys, f.key) {
			old.personal = append(old.personal, f)
		}
	}
	if len(old.public)+len(old.personal) != len(keys) {
		panic("event: registerOlder " + p.Type() + ": a key that is not a field")
	}
	if older[p.Type()] == nil {
		older[p.Type()] = map[int]*codec{}
	}
	older[p.Type()][schema] = old
}

// Schema is the current schema number of an event type; 0 if the type is
// unknown.
func Schema(eventType string) int {
	if c, ok := codecs[eventType]; ok {
		return c.schema
	}
	return 0
}

// Types lists every event type that has a payload, sorted.
func Types() []string {
	out := make([]string, 0, len(codecs))
	for t := range codecs {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Encode returns the canonical public and personal parts of p; personal is
// nil if p's type has no personal fields. It panics if p's type is not
// one of this package's payloads, which only a programming error can do.
func Encode(p Payload) (public, personal []byte) {
	c := codecs[p.Type()]
	v := reflect.ValueOf(p)
	if c == nil || v.Type() != c.typ {
		panic(fmt.Sprintf("event: %T is not the payload of %q", p, p.Type()))
	}
	public = appendObject(nil, v, c.public)
	if len(c.personal) > 0 {
		personal = appendObject(nil, v, c.personal)
	}
	return public, personal
}

// newEvent is what every At method does.
func newEvent(p Payload, at time.Time, actor, pkg, version string) *core.Event {
	public, personal := Encode(p)
	return &core.Event{
		At: at, Type: p.Type(), Actor: actor, Package: pkg, Version: version,
		Data: public, Schema: codecs[p.Type()].schema, Personal: personal,
	}
}

func appendObject(b []byte, v reflect.Value, fields []field) []byte {
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.key)
		b = append(b, ':')
		fv := v.Field(f.index)
		switch f.kind {
		case kindString:
			b = appendString(b, fv.String())
		case kindBool:
			b = strconv.AppendBool(b, fv.Bool())
		case kindInt:
			b = strconv.AppendInt(b, fv.Int(), 10)
		case kindList:
			b = append(b, '[')
			for j := range fv.Len() {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendString(b, fv.Index(j).String())
			}
			b = append(b, ']')
		case kindTime:
			t := fv.Interface().(time.Time)
			if t.IsZero() {
				b = append(b, "null"...)
			} else {
				b = appendString(b, t.UTC().Truncate(time.Millisecond).Format(timeLayout))
			}
		}
	}
	return append(b, '}')
}

// appendString writes s as a JSON string by the package's rules (JCS's).
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s { // invalid UTF-8 ranges as U+FFFD
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\b':
			b = append(b, '\\', 'b')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\f':
			b = append(b, '\\', 'f')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// Decode reads the payload of an event of the given type and schema from
// its public and personal parts. Schema 0 is the legacy form (see the
// package doc); any other schema must be the type's current one or an
// earlier one it still reads (registerOlder), in canonical form.
func Decode(eventType string, schema int, public, personal []byte) (Payload, error) {
	c := codecs[eventType]
	if c == nil {
		return nil, fmt.Errorf("event type %q has no payload type", eventType)
	}
	if schema == 0 {
		if len(personal) > 0 {
			return nil, fmt.Errorf("%s: a legacy event has no personal part", eventType)
		}
		return decodeLegacy(c, public)
	}
	if schema != c.schema {
		if c = older[eventType][schema]; c == nil {
			return nil, fmt.Errorf("%s: unknown schema %d (this build knows %d)", eventType, schema, codecs[eventType].schema)
		}
	}
	v := reflect.New(c.typ).Elem()
	if err := decodeObject(v, c.public, public); err != nil {
		return nil, fmt.Errorf("%s public part: %w", eventType, err)
	}
	if len(c.personal) == 0 {
		if personal != nil {
			return nil, fmt.Errorf("%s: a personal part where the type has none: %w", eventType, ErrNotCanonical)
		}
	} else if err := decodeObject(v, c.personal, personal); err != nil {
		return nil, fmt.Errorf("%s personal part: %w", eventType, err)
	}
	return v.Interface().(Payload), nil
}

// Parse decodes a stored event's payload.
func Parse(e *core.Event) (Payload, error) {
	return Decode(e.Type, e.Schema, e.Data, e.Personal)
}

// Public returns the canonical public part of a stored event's payload,
// whatever its schema: what a public log may publish. For a legacy event
// it is the public part of the payload its untyped map maps to.
func Public(e *core.Event) ([]byte, error) {
	p, err := Parse(e)
	if err != nil {
		return nil, err
	}
	public, _ := Encode(p)
	return public, nil
}

// decodeObject reads data into v's fields and then insists that writing
// them back gives data again, byte for byte.
func decodeObject(v reflect.Value, fields []field, data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	if m == nil {
		return fmt.Errorf("not an object: %w", ErrNotCanonical)
	}
	for _, f := range fields {
		raw, ok := m[f.key]
		if !ok {
			return fmt.Errorf("no %q: %w", f.key, ErrNotCanonical)
		}
		if err := decodeField(v.Field(f.index), f, raw, false); err != nil {
			return fmt.Errorf("%q: %w", f.key, err)
		}
	}
	if !bytes.Equal(appendObject(nil, v, fields), data) {
		return ErrNotCanonical
	}
	return nil
}

// decodeField reads one value. legacy accepts what encoding/json wrote
// before this package: any RFC 3339 time, numbers where a string is
// expected (the critical top percent) and null lists.
func decodeField(fv reflect.Value, f field, raw json.RawMessage, legacy bool) error {
	switch f.kind {
	case kindString:
		var s string
		if legacy && len(raw) > 0 && raw[0] != '"' {
			n, err := strconv.ParseFloat(string(raw), 64)
			if err != nil {
				return fmt.Errorf("want a string or number: %w", err)
			}
			s = Decimal(n)
		} else if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		fv.SetString(s)
	case kindBool:
		var x bool
		if err := json.Unmarshal(raw, &x); err != nil {
			return err
		}
		fv.SetBool(x)
	case kindInt:
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil {
			return err
		}
		fv.SetInt(n)
	case kindList:
		var l []string
		if err := json.Unmarshal(raw, &l); err != nil {
			return err
		}
		if len(l) == 0 {
			l = nil
		}
		fv.Set(reflect.ValueOf(l).Convert(fv.Type()))
	case kindTime:
		var s *string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		if s == nil {
			return nil
		}
		layout := timeLayout
		if legacy {
			layout = time.RFC3339Nano
		}
		t, err := time.Parse(layout, *s)
		if err != nil {
			return err
		}
		if !t.IsZero() {
			fv.Set(reflect.ValueOf(t.UTC().Truncate(time.Millisecond)))
		}
	}
	return nil
}

// Decimal is how a fractional setting is written in a payload: the
// shortest decimal that reads back as the same float64, without an
// exponent ("1", "0.5").
func Decimal(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// Strings converts a list of a string type (core.TokenAction, say) to the
// []string a payload field holds.
func Strings[T ~string](xs []T) []string {
	if len(xs) == 0 {
		return nil
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}
