package npm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// AuditRequest is npm's bulk advisory request: each package name with the
// versions of it installed.
type AuditRequest map[string][]string

// ParseAuditRequest reads the JSON of an audit request,
// {"<name>": ["<version>", ...], ...}, from r (already un-gzipped). It
// streams: the document is never held whole, every string is bounded, and
// the counts of packages and versions are checked as they arrive, so the
// memory an anonymous request costs stays a small multiple of
// MaxAuditBytes whatever the body says. r must stop at
// MaxAuditBytes (see AuditLimitReader).
func ParseAuditRequest(r io.Reader) (AuditRequest, error) {
	dec := json.NewDecoder(r)
	// Numbers stay text: a number too large for a float64 is malformed
	// input (400), not a decoder failure (500).
	dec.UseNumber()
	if err := expectDelim(dec, '{', "the audit request must be a JSON object of package names"); err != nil {
		return nil, err
	}
	req := AuditRequest{}
	versions := 0
	for dec.More() {
		name, err := auditString(dec, "a package name")
		if err != nil {
			return nil, err
		}
		if len(name) > limits.MaxNameLength {
			return nil, core.Errorf(core.KindInvalid, "the audit request names a package %s longer than %d characters; no such package can exist", echo(name), limits.MaxNameLength)
		}
		if _, dup := req[name]; !dup && len(req) >= MaxAuditPackages {
			return nil, core.Errorf(core.KindTooLarge, "the audit request names more than %d packages, over this registry's limit; audit the project in parts (for example per workspace)", MaxAuditPackages)
		}
		if err := expectDelim(dec, '[', fmt.Sprintf("the versions of %s must be a JSON array of strings", echo(name))); err != nil {
			return nil, err
		}
		list := req[name]
		for dec.More() {
			v, err := auditString(dec, "a version")
			if err != nil {
				return nil, err
			}
			if len(v) > MaxVersionLength {
				return nil, core.Errorf(core.KindInvalid, "the audit request lists a version of %s longer than %d characters; no such version can exist", echo(name), MaxVersionLength)
			}
			if versions++; versions > MaxAuditVersions {
				return nil, core.Errorf(core.KindTooLarge, "the audit request lists more than %d versions, over this registry's limit; audit the project in parts (for example per workspace)", MaxAuditVersions)
			}
			list = append(list, v)
		}
		if err := expectDelim(dec, ']', ""); err != nil {
			return nil, err
		}
		req[name] = list
	}
	if err := expectDelim(dec, '}', ""); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, auditReadError(err)
		}
		return nil, core.Errorf(core.KindInvalid, "malformed audit request: more follows the JSON object")
	}
	return req, nil
}

// expectDelim reads the next token, which must be want. msg explains a
// wrong token; "" means a generic message.
func expectDelim(dec *json.Decoder, want json.Delim, msg string) error {
	tok, err := dec.Token()
	if err != nil {
		return auditReadError(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		if msg == "" {
			msg = fmt.Sprintf("expected %q", want)
		}
		return core.Errorf(core.KindInvalid, "malformed audit request: %s", msg)
	}
	return nil
}

func auditString(dec *json.Decoder, what string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", auditReadError(err)
	}
	s, ok := tok.(string)
	if !ok {
		return "", core.Errorf(core.KindInvalid, "malformed audit request: expected %s as a JSON string", what)
	}
	return s, nil
}

// auditReadError keeps a domain error (the size limit, a body that came
// too slowly) and turns anything else the decoder says into a 400.
func auditReadError(err error) error {
	var ce *core.Error
	if errors.As(err, &ce) {
		return err
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return core.Errorf(core.KindInvalid, "malformed audit request: invalid JSON at byte %d", se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return core.Errorf(core.KindInvalid, "malformed audit request: the JSON ends early")
	}
	return err
}

// AuditLimitReader returns r cut at MaxAuditBytes: past it, Read
// fails with a KindTooLarge error instead of ending quietly (which would
// show as truncated JSON). Put it after gzip, so the limit counts inflated
// bytes.
func AuditLimitReader(r io.Reader) io.Reader {
	return &limitReader{r: r, left: MaxAuditBytes}
}

type limitReader struct {
	r    io.Reader
	left int64
	err  error // sticky once the limit is crossed
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, err := l.r.Read(one[:]); n == 0 {
			return 0, err
		}
		l.err = core.Errorf(core.KindTooLarge, "the audit request is larger than %d MiB once gzip is undone, over this registry's limit; audit the project in parts (for example per workspace)", MaxAuditBytes/limits.MiB)
		return 0, l.err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
