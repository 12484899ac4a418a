package npm

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// Document is the body of a PUT /<name> (a publish, a deprecation or a
// star) as ReadDocument read it: every top-level member but
// "_attachments" kept raw, and the attachments with the tarball already
// decoded into the writer ReadDocument was given.
type Document struct {
	top map[string]json.RawMessage
	// hasAttachments: "_attachments" is present and not null, which is
	// what makes the PUT a publish.
	hasAttachments bool
	attachments    []attachment
	// outside counts the bytes of the body outside the "_attachments"
	// value: what limits.manifest_bytes bounds.
	outside int64
}

// attachment is one member of "_attachments". The tarball's data is
// never kept: it went, decoded, into the writer, and only its size and
// hashes are here. The provenance bundle is small text and kept whole.
type attachment struct {
	key         string
	contentType string
	length      *int64
	// binary marks the attachment whose base64 data was decoded into the
	// writer; size, sha512 and sha1 describe the decoded bytes.
	binary bool
	size   int64
	sha512 []byte
	sha1   []byte
	// text is the data string of a ".sigstore" attachment.
	text string
}

// IsPublish reports whether the document carries attachments: npm sends
// them only with a publish.
func (d *Document) IsPublish() bool { return d.hasAttachments }

// HasMember reports whether the top level has key with a value other
// than null.
func (d *Document) HasMember(key string) bool {
	_, ok := present(d.top, key)
	return ok
}

// Members decodes every top-level member the document kept (all but
// "_attachments") as encoding/json would decode the whole body into a
// map[string]any: what a revision update compares with the package.
func (d *Document) Members() (map[string]any, error) {
	m := make(map[string]any, len(d.top))
	for k, raw := range d.top {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, core.Errorf(core.KindInvalid, "malformed JSON in %s: %v", echo(k), err)
		}
		m[k] = v
	}
	return m, nil
}

// Deprecations reads "versions" of a deprecation (npm deprecate and
// undeprecate send the whole document back with "deprecated" set or
// emptied): the message of each version, "" to undeprecate. A document
// without "versions" has none.
func (d *Document) Deprecations() (map[string]string, error) {
	raw, ok := present(d.top, "versions")
	if !ok {
		return map[string]string{}, nil
	}
	versions, err := parseObject(raw, `"versions"`)
	if err != nil {
		return nil, err
	}
	msgs := make(map[string]string, len(versions))
	for v, raw := range versions {
		var ver struct {
			Deprecated *string `json:"deprecated"`
		}
		if err := json.Unmarshal(raw, &ver); err != nil {
			return nil, core.Errorf(core.KindInvalid, `versions[%s] must be an object whose "deprecated" is a string; run npm deprecate again`, echo(v))
		}
		if ver.Deprecated != nil {
			msgs[v] = *ver.Deprecated
		} else {
			msgs[v] = ""
		}
	}
	return msgs, nil
}

// RequestTooLarge is the answer to a PUT /<name> body over
// lim.PublishBodyBytes, whether its Content-Length said so or it was cut
// off while streaming: it names the limit, never a size that was not read.
func RequestTooLarge(lim limits.Limits) error {
	return core.Errorf(core.KindTooLarge,
		`the publish request is larger than this registry accepts (tarballs up to %s, limits.tarball_bytes); make the package smaller, e.g. with a "files" list in package.json`,
		mib(lim.TarballBytes))
}

// ReadDocument reads a PUT /<name> body from r as it streams in, never
// holding more than the document without its attachments (at most
// lim.ManifestBytes) plus a provenance bundle (its raw JSON string, at
// most 6 × limits.MaxProvenanceBytes for escapes): the base64 data of the
// tarball attachment is decoded while it is read, straight into tarball,
// and hashed on the way.
//
// It reads exactly what encoding/json would, or refuses: a key that
// appears twice in an object it reads itself (the top level,
// "_attachments", each attachment; encoding/json would silently keep the
// last one), an attachment field spelled with other letter cases
// (encoding/json would match "DATA" to "data"), invalid JSON anywhere, or
// anything after the document. Values it keeps ("versions" and the rest)
// are checked to be valid JSON and later read by encoding/json alone, so
// they have one reading. Errors of r itself (a body cut off at its limit, a read
// deadline) are returned as they are, for the caller to map.
func ReadDocument(r io.Reader, lim limits.Limits, tarball io.Writer) (*Document, error) {
	return readDocument(r, lim, lim.ManifestBytes, tarball)
}

// ReadUpload is ReadDocument for a PUT /<name> that may be a publish or
// the whole package document `npm deprecate` sends back. That document
// may be as large as limits.document_bytes, over limits.manifest_bytes
// by default, so up to the larger of the two is kept while streaming; a
// publish is still held to manifest_bytes once read (Document.Publish).
func ReadUpload(r io.Reader, lim limits.Limits, tarball io.Writer) (*Document, error) {
	return readDocument(r, lim, max(lim.ManifestBytes, lim.DocumentBytes), tarball)
}

func readDocument(r io.Reader, lim limits.Limits, keep int64, tarball io.Writer) (*Document, error) {
	s := &scanner{r: bufio.NewReaderSize(r, 64<<10), budget: keep, manifestLimit: lim.ManifestBytes, keepLimit: keep}
	d := &Document{top: map[string]json.RawMessage{}}
	if err := s.readTop(d, lim, tarball); err != nil {
		return nil, err
	}
	d.outside = s.n - s.attachmentBytes
	return d, nil
}

// scanner reads JSON from a buffered reader and counts what it read.
type scanner struct {
	r *bufio.Reader
	n int64 // bytes consumed
	// budget is what may still be kept in memory of the document outside
	// the tarball's data and the provenance text.
	budget        int64
	manifestLimit int64
	// keepLimit is the whole budget: manifestLimit, or more when the
	// body may also be a package document sent back (ReadUpload).
	keepLimit int64
	// attachmentBytes is the length of the "_attachments" value.
	attachmentBytes int64
	// binaryKey names the attachment decoded into the writer, once one was.
	binaryKey *string
}

// errBudget is returned by capture when a value would exceed its budget.
var errBudget = errors.New("over budget")

func (s *scanner) readTop(d *Document, lim limits.Limits, tarball io.Writer) error {
	c, err := s.peekNonSpace()
	if err != nil {
		return s.eofIsSyntax(err)
	}
	if c != '{' {
		raw, err := s.capture(64)
		if err != nil && !errors.Is(err, errBudget) {
			return err
		}
		if err == nil && !json.Valid(raw) {
			return s.syntaxError()
		}
		if string(raw) == "null" {
			return core.Errorf(core.KindInvalid, "the publish document must be a JSON object, got null; %s", republishFix)
		}
		return core.Errorf(core.KindInvalid, "the publish document must be a JSON object, got %s; %s", jsonKind([]byte{c}), republishFix)
	}
	err = s.object(func(key string) error {
		if key == "_attachments" {
			start := s.n
			err := s.readAttachments(d, lim, tarball)
			s.attachmentBytes += s.n - start
			return err
		}
		raw, err := s.keep()
		if err != nil {
			return err
		}
		d.top[key] = raw
		return nil
	})
	if err != nil {
		return err
	}
	// Nothing but white space may follow the document.
	if _, err := s.peekNonSpace(); err == nil {
		return s.syntaxError()
	} else if !isEOF(err) {
		return err
	}
	return nil
}

// object reads an object whose '{' is next, calling member for each key
// with the reader at the start of the key's value, which member must
// consume. A key seen twice is refused.
func (s *scanner) object(member func(key string) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	seen := map[string]bool{}
	c, err := s.peekNonSpace()
	if err != nil {
		return s.eofIsSyntax(err)
	}
	if c == '}' {
		s.skip(1)
		return nil
	}
	for {
		key, err := s.key()
		if err != nil {
			return err
		}
		if seen[key] {
			return core.Errorf(core.KindInvalid, "the document has the key %s twice in one object, so it has two readings; send it with each key once, %s", echo(key), republishFix)
		}
		seen[key] = true
		if err := s.expect(':'); err != nil {
			return err
		}
		if _, err := s.peekNonSpace(); err != nil {
			return s.eofIsSyntax(err)
		}
		if err := member(key); err != nil {
			return err
		}
		c, err := s.peekNonSpace()
		if err != nil {
			return s.eofIsSyntax(err)
		}
		s.skip(1)
		switch c {
		case ',':
		case '}':
			return nil
		default:
			return s.syntaxError()
		}
	}
}

// key reads an object key. Keys count against the budget like any kept
// value.
func (s *scanner) key() (string, error) {
	c, err := s.peekNonSpace()
	if err != nil {
		return "", s.eofIsSyntax(err)
	}
	if c != '"' {
		return "", s.syntaxError()
	}
	raw, err := s.keep()
	if err != nil {
		return "", err
	}
	var k string
	if err := json.Unmarshal(raw, &k); err != nil {
		return "", s.syntaxError()
	}
	return k, nil
}

// keep captures the next value within the budget and checks that it is
// valid JSON.
func (s *scanner) keep() (json.RawMessage, error) {
	raw, err := s.capture(s.budget)
	if errors.Is(err, errBudget) {
		if s.keepLimit > s.manifestLimit {
			return nil, core.Errorf(core.KindTooLarge,
				"the document sent without its attachments is more than %s, over this registry's limits: %s for a publish (limits.manifest_bytes; shorten the README or package.json), %s for the package document `npm deprecate` sends back (limits.document_bytes)",
				mib(s.keepLimit), mib(s.manifestLimit), mib(s.keepLimit))
		}
		return nil, manifestTooLarge(0, s.manifestLimit)
	}
	if err != nil {
		return nil, err
	}
	s.budget -= int64(len(raw))
	if !json.Valid(raw) {
		return nil, s.syntaxError()
	}
	return raw, nil
}

func manifestTooLarge(n, lim int64) error {
	size := "more than " + mib(lim)
	if n > 0 {
		size = mib(n)
	}
	return core.Errorf(core.KindTooLarge,
		"the publish document without its attachments is %s, over this registry's limit of %s (limits.manifest_bytes); shorten the README or package.json",
		size, mib(lim))
}

// readAttachments reads the "_attachments" value: null, or an object of
// attachments. The tarball's data goes to tarball; at most one attachment
// may be binary.
func (s *scanner) readAttachments(d *Document, lim limits.Limits, tarball io.Writer) error {
	c, _ := s.peekNonSpace()
	if c == 'n' {
		raw, err := s.keep()
		if err != nil {
			return err
		}
		if string(raw) != "null" {
			return s.syntaxError()
		}
		return nil
	}
	if c != '{' {
		if _, err := s.keep(); err != nil {
			return err
		}
		return attachmentsShape()
	}
	d.hasAttachments = true
	return s.object(func(key string) error {
		if c, _ := s.peekNonSpace(); c != '{' {
			if _, err := s.keep(); err != nil {
				return err
			}
			return attachmentsShape()
		}
		a := attachment{key: key}
		if err := s.readAttachment(&a, lim, tarball); err != nil {
			return err
		}
		d.attachments = append(d.attachments, a)
		return nil
	})
}

func attachmentsShape() error {
	return core.Errorf(core.KindInvalid, `"_attachments" must be an object of {content_type, data, length} entries; %s`, republishFix)
}

// readAttachment reads one attachment object: content_type, data and
// length, spelled exactly so; other members are read and ignored, as
// encoding/json would.
func (s *scanner) readAttachment(a *attachment, lim limits.Limits, tarball io.Writer) error {
	return s.object(func(field string) error {
		switch field {
		case "content_type":
			raw, err := s.keep()
			if err != nil {
				return err
			}
			var ct *string
			if json.Unmarshal(raw, &ct) != nil {
				return core.Errorf(core.KindInvalid, `attachment %s: "content_type" must be a string; %s`, echo(a.key), republishFix)
			}
			if ct != nil {
				a.contentType = *ct
			}
		case "length":
			raw, err := s.keep()
			if err != nil {
				return err
			}
			if json.Unmarshal(raw, &a.length) != nil {
				return core.Errorf(core.KindInvalid, `attachment %s: "length" must be a whole number of bytes; %s`, echo(a.key), republishFix)
			}
		case "data":
			return s.readData(a, lim, tarball)
		default:
			for _, known := range []string{"content_type", "data", "length"} {
				if strings.EqualFold(field, known) {
					return core.Errorf(core.KindInvalid, `attachment %s has a field %s; write it %q, in lower case, %s`, echo(a.key), echo(field), known, republishFix)
				}
			}
			_, err := s.keep()
			return err
		}
		return nil
	})
}

// readData reads an attachment's "data": the text of a ".sigstore"
// bundle, kept; or base64, decoded into tarball as it streams.
func (s *scanner) readData(a *attachment, lim limits.Limits, tarball io.Writer) error {
	c, _ := s.peekNonSpace()
	if c != '"' {
		raw, err := s.keep()
		if err != nil {
			return err
		}
		if string(raw) == "null" {
			return nil // encoding/json reads null as ""
		}
		return core.Errorf(core.KindInvalid, `attachment %s: "data" must be a string; %s`, echo(a.key), republishFix)
	}
	if strings.HasSuffix(a.key, ".sigstore") {
		// A \uXXXX escape is 6 bytes for at least one byte of text, so a
		// bundle within the limit is never longer than this raw.
		raw, err := s.capture(6*limits.MaxProvenanceBytes + 2)
		if errors.Is(err, errBudget) {
			return provenanceTooLarge(6 * limits.MaxProvenanceBytes)
		}
		if err != nil {
			return err
		}
		if json.Unmarshal(raw, &a.text) != nil {
			return s.syntaxError()
		}
		if len(a.text) > limits.MaxProvenanceBytes {
			return provenanceTooLarge(int64(len(a.text)))
		}
		return nil
	}
	if s.binaryKey != nil {
		return core.Errorf(core.KindInvalid, "unexpected attachment: the publish document carries two tarballs, %s and %s, and a publish carries exactly one; %s",
			echo(*s.binaryKey), echo(a.key), republishFix)
	}
	s.binaryKey = &a.key
	h512, h1 := sha512.New(), sha1.New()
	dec := &base64Stream{w: io.MultiWriter(tarball, h512, h1), max: lim.TarballBytes}
	s.skip(1) // the opening quote
	if err := s.streamString(dec); err != nil {
		return err
	}
	if err := dec.close(); err != nil {
		return err
	}
	a.binary, a.size = true, dec.n
	a.sha512, a.sha1 = sumOf(h512), sumOf(h1)
	return nil
}

func sumOf(h hash.Hash) []byte { return h.Sum(nil) }

func provenanceTooLarge(n int64) error {
	return core.Errorf(core.KindTooLarge,
		`the provenance bundle is %s, over the limit of %s; attach the bundle npm generates, not a larger file`,
		mib(n), mib(limits.MaxProvenanceBytes))
}

// streamString reads the rest of a JSON string (the opening quote is
// consumed) into dec, unescaping as it goes. Only ASCII can be base64,
// so any other character is refused here already: encoding/json would
// accept it and the base64 decoding after it would not.
func (s *scanner) streamString(dec *base64Stream) error {
	for {
		if s.r.Buffered() == 0 {
			if _, err := s.r.Peek(1); err != nil {
				return s.eofIsSyntax(err)
			}
		}
		buf, _ := s.r.Peek(s.r.Buffered())
		i := 0
		for i < len(buf) && buf[i] != '"' && buf[i] != '\\' && buf[i] >= 0x20 && buf[i] < 0x80 {
			i++
		}
		if i > 0 {
			if err := dec.write(buf[:i]); err != nil {
				return err
			}
		}
		if i == len(buf) {
			s.skip(i)
			continue
		}
		c := buf[i]
		s.skip(i + 1)
		switch {
		case c == '"':
			return nil
		case c < 0x20:
			return s.syntaxError()
		case c >= 0x80:
			return dec.invalid()
		}
		r, err := s.escape()
		if err != nil {
			return err
		}
		if r >= 0x80 {
			return dec.invalid()
		}
		if err := dec.write([]byte{byte(r)}); err != nil {
			return err
		}
	}
}

// escape reads what follows a backslash in a string and returns the
// character it stands for. A \u escape of a surrogate half is returned
// as it is: it is never base64, so the caller refuses it either way.
func (s *scanner) escape() (rune, error) {
	c, err := s.readByte()
	if err != nil {
		return 0, s.eofIsSyntax(err)
	}
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		var r rune
		for range 4 {
			h, err := s.readByte()
			if err != nil {
				return 0, s.eofIsSyntax(err)
			}
			switch {
			case '0' <= h && h <= '9':
				r = r<<4 | rune(h-'0')
			case 'a' <= h && h <= 'f':
				r = r<<4 | rune(h-'a'+10)
			case 'A' <= h && h <= 'F':
				r = r<<4 | rune(h-'A'+10)
			default:
				return 0, s.syntaxError()
			}
		}
		return r, nil
	}
	return 0, s.syntaxError()
}

// capture reads the next JSON value and returns its bytes, refusing with
// errBudget once it is longer than max. It only finds where the value
// ends (strings, escapes and nesting); the caller checks it is valid.
func (s *scanner) capture(max int64) ([]byte, error) {
	if _, err := s.peekNonSpace(); err != nil {
		return nil, s.eofIsSyntax(err)
	}
	var out []byte
	add := func(c byte) error {
		if int64(len(out)) >= max {
			return errBudget
		}
		out = append(out, c)
		return nil
	}
	depth, inString := 0, false
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			if isEOF(err) && depth == 0 && !inString && len(out) > 0 {
				return out, nil // a scalar at the very end
			}
			return nil, s.eofIsSyntax(err)
		}
		if depth == 0 && !inString && len(out) > 0 && !isScalarByte(c) && out[0] != '"' {
			// The end of a scalar: leave the delimiter for the caller.
			if err := s.r.UnreadByte(); err != nil {
				return nil, err
			}
			return out, nil
		}
		s.n++
		if err := add(c); err != nil {
			return nil, err
		}
		switch {
		case inString:
			switch c {
			case '\\':
				e, err := s.readByte()
				if err != nil {
					return nil, s.eofIsSyntax(err)
				}
				if err := add(e); err != nil {
					return nil, err
				}
			case '"':
				inString = false
				if depth == 0 {
					return out, nil
				}
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth <= 0 {
				return out, nil
			}
		}
	}
}

// isScalarByte reports whether c may be part of a number, true, false
// or null; anything else ends one.
func isScalarByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.'
}

func (s *scanner) readByte() (byte, error) {
	c, err := s.r.ReadByte()
	if err == nil {
		s.n++
	}
	return c, err
}

func (s *scanner) skip(n int) {
	k, _ := s.r.Discard(n)
	s.n += int64(k)
}

// peekNonSpace skips white space and returns the next byte unread.
func (s *scanner) peekNonSpace() (byte, error) {
	for {
		b, err := s.r.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			s.skip(1)
		default:
			return b[0], nil
		}
	}
}

func (s *scanner) expect(c byte) error {
	got, err := s.peekNonSpace()
	if err != nil {
		return s.eofIsSyntax(err)
	}
	if got != c {
		return s.syntaxError()
	}
	s.skip(1)
	return nil
}

// syntaxError reports the offset the way encoding/json does: counting the
// byte that broke the syntax.
func (s *scanner) syntaxError() error {
	return core.Errorf(core.KindInvalid, "malformed JSON after reading %d bytes; send the document npm publish builds", s.n+1)
}

// eofIsSyntax turns the end of the body into a syntax error (the
// document stopped early) and passes other read errors through.
func (s *scanner) eofIsSyntax(err error) error {
	if isEOF(err) {
		return core.Errorf(core.KindInvalid, "malformed JSON: the document ends early, after %d bytes; send the document npm publish builds", s.n)
	}
	return err
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) }

// base64Stream decodes standard, padded base64 written to it in pieces,
// exactly as base64.StdEncoding.DecodeString decodes the whole: '\r' and
// '\n' are skipped anywhere, padding may only end the data, and anything
// else outside the alphabet is an error. Past max decoded bytes it stops.
type base64Stream struct {
	w      io.Writer
	buf    []byte // characters not yet decoded
	out    []byte
	n      int64 // decoded bytes written
	max    int64
	padded bool // a quantum with padding was decoded: nothing may follow
	chars  int64
	// chunk is how many characters are decoded at a time, a multiple of
	// 4; base64Chunk when zero (tests make it small).
	chunk int
}

// base64Chunk is how many characters are decoded at a time; a multiple of 4.
const base64Chunk = 64 << 10

func (b *base64Stream) write(p []byte) error {
	for _, c := range p {
		if c == '\r' || c == '\n' {
			continue
		}
		if b.padded {
			return b.invalid()
		}
		b.buf = append(b.buf, c)
		b.chars++
		if len(b.buf) >= b.chunkSize() {
			if err := b.flush(len(b.buf)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *base64Stream) chunkSize() int {
	if b.chunk > 0 {
		return b.chunk
	}
	return base64Chunk
}

// flush decodes the first k characters of buf (a multiple of 4).
func (b *base64Stream) flush(k int) error {
	if k == 0 {
		return nil
	}
	if cap(b.out) < k/4*3 {
		b.out = make([]byte, k/4*3)
	}
	n, err := base64.StdEncoding.Decode(b.out[:k/4*3], b.buf[:k])
	if err != nil {
		return b.invalid()
	}
	if bytes.IndexByte(b.buf[k-2:k], '=') >= 0 {
		b.padded = true
	}
	b.n += int64(n)
	if b.n > b.max {
		// Said while the upload streams: its full size was never read.
		return core.Errorf(core.KindTooLarge,
			`the tarball is over this registry's limit of %s (limits.tarball_bytes); publish fewer files (see "files" in package.json and .npmignore)`,
			mib(b.max))
	}
	if _, err := b.w.Write(b.out[:n]); err != nil {
		return fmt.Errorf("writing the uploaded tarball: %w", err)
	}
	b.buf = b.buf[:copy(b.buf, b.buf[k:])]
	return nil
}

// close decodes what is left; it must be whole quanta, as DecodeString
// wants padded input.
func (b *base64Stream) close() error {
	if len(b.buf)%4 != 0 {
		return b.invalid()
	}
	return b.flush(len(b.buf))
}

func (b *base64Stream) invalid() error {
	return core.Errorf(core.KindInvalid, `the tarball attachment is not valid base64 (near character %d of its data); %s`, b.chars, republishFix)
}
