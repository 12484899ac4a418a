package npm

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/npmfixture"
)

// TestReadDocumentRefusesTwoReadings sends documents that encoding/json
// would read one way (the last duplicate key wins, "DATA" matches
// "data") and a careless streaming reader another. Each must be refused,
// never read either way.
func TestReadDocumentRefusesTwoReadings(t *testing.T) {
	tgz := npmfixture.Tarball(0, goodEntries()...)
	good := string(encode(t, publishDoc("left-pad", "1.0.0", tgz)))
	att := `{"content_type":"application/octet-stream","data":"` + base64.StdEncoding.EncodeToString(tgz) + `"}`
	cases := []struct{ name, body, want string }{
		{"name twice", `{"name":"left-pad","name":"evil"}`, `the key "name" twice`},
		{"versions twice", `{"versions":{},"versions":{}}`, `the key "versions" twice`},
		{"_attachments twice", `{"_attachments":{"left-pad-1.0.0.tgz":` + att + `},"_attachments":{}}`, `the key "_attachments" twice`},
		{"same attachment twice", `{"_attachments":{"left-pad-1.0.0.tgz":` + att + `,"left-pad-1.0.0.tgz":` + att + `}}`, `the key "left-pad-1.0.0.tgz" twice`},
		{"data twice", `{"_attachments":{"left-pad-1.0.0.tgz":{"data":"QUFB","data":"QkJC"}}}`, `the key "data" twice`},
		{"data in capitals", `{"_attachments":{"left-pad-1.0.0.tgz":{"DATA":"QUFB"}}}`, `write it "data", in lower case`},
		{"length mis-cased", `{"_attachments":{"left-pad-1.0.0.tgz":{"data":"QUFB","Length":3}}}`, `write it "length", in lower case`},
		{"escaped duplicate key", `{"name":"a","na\u006de":"b"}`, `the key "name" twice`},
		{"a second document after the first", good + `{}`, "malformed JSON"},
		{"garbage after the document", good + ` x`, "malformed JSON"},
		{"two tarballs", `{"_attachments":{"a.tgz":` + att + `,"b.tgz":` + att + `}}`, `two tarballs, "a.tgz" and "b.tgz"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadDocument(strings.NewReader(tc.body), limits.Default(), io.Discard)
			wantErr(t, err, core.KindInvalid, tc.want)
		})
	}
}

// TestReadDocumentDecodesAcrossChunks feeds the tarball's base64 through
// small decoding chunks, with the escapes and line breaks encoding/json
// and base64.StdEncoding accept, and checks the bytes and hashes that come
// out.
func TestReadDocumentDecodesAcrossChunks(t *testing.T) {
	tgz := npmfixture.Tarball(0, goodEntries()...)
	plain := base64.StdEncoding.EncodeToString(tgz)
	// "\/" is "/", "\u0041" is "A", "\n" and "\r" are skipped by base64.
	var b strings.Builder
	for i, c := range plain {
		switch {
		case c == '/':
			b.WriteString(`\/`)
		case c == 'A' && i%2 == 0:
			b.WriteString(`\u0041`)
		default:
			b.WriteRune(c)
		}
		if i%76 == 75 {
			b.WriteString(`\r\n`)
		}
	}
	for _, chunk := range []int{4, 8, 64, base64Chunk} {
		var out bytes.Buffer
		h512, h1 := sha512.New(), sha1.New()
		dec := &base64Stream{w: io.MultiWriter(&out, h512, h1), max: 1 << 30, chunk: chunk}
		s := &scanner{r: bufio.NewReader(strings.NewReader(b.String() + `"`))}
		if err := s.streamString(dec); err != nil {
			t.Fatalf("chunk %d: %v", chunk, err)
		}
		if err := dec.close(); err != nil {
			t.Fatalf("chunk %d: %v", chunk, err)
		}
		if !bytes.Equal(out.Bytes(), tgz) {
			t.Fatalf("chunk %d: decoded %d bytes that differ from the %d of the tarball", chunk, out.Len(), len(tgz))
		}
	}

	// And through the whole document: the same publish either way.
	doc := publishDoc("left-pad", "1.0.0", tgz)
	body := strings.Replace(string(encode(t, doc)), plain, b.String(), 1)
	p, err := ParsePublish([]byte(body), "left-pad", limits.Default())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Tarball, tgz) || p.TarballSize != int64(len(tgz)) || p.TarballShasum != Shasum(tgz) {
		t.Fatalf("escaped base64 read as %d bytes, shasum %s", len(p.Tarball), p.TarballShasum)
	}
}

// TestReadDocumentStreams reads a publish of a 24 MiB tarball from a
// reader that produces it on the fly, and checks that ReadDocument
// allocated a small fraction of that: the tarball goes to the writer, not
// to memory.
func TestReadDocumentStreams(t *testing.T) {
	const size = 24 << 20
	lim := limits.Default()
	r := io.MultiReader(strings.NewReader(`{"_attachments":{"big-1.0.0.tgz":{"data":"`),
		io.LimitReader(&filler{}, int64(base64.StdEncoding.EncodedLen(size))),
		strings.NewReader(`"}},"name":"big"}`))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	d, err := ReadDocument(r, lim, io.Discard)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.attachments) != 1 || d.attachments[0].size != size {
		t.Fatalf("attachments %+v, want one of %d bytes", d.attachments, size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
		t.Fatalf("ReadDocument allocated %d KiB for a %d MiB tarball; it must stream", alloc>>10, size>>20)
	}
}

// TestReadDocumentStopsAtLimits checks that a tarball or a manifest over
// its limit is refused while it streams: the reader is not drained.
func TestReadDocumentStopsAtLimits(t *testing.T) {
	lim := smallLimits()
	cases := []struct {
		name, prefix, want string
	}{
		{"tarball", `{"_attachments":{"x-1.0.0.tgz":{"data":"`, "limits.tarball_bytes"},
		{"manifest", `{"readme":"`, "limits.manifest_bytes"},
		{"provenance", `{"_attachments":{"x-1.0.0.sigstore":{"data":"`, "provenance bundle"},
		{"unknown attachment field", `{"_attachments":{"x-1.0.0.tgz":{"extra":"`, "limits.manifest_bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := &countingFiller{}
			r := io.MultiReader(strings.NewReader(tc.prefix), io.LimitReader(src, 64<<20))
			_, err := ReadDocument(r, lim, io.Discard)
			wantErr(t, err, core.KindTooLarge, tc.want)
			if src.n > 16<<20 {
				t.Fatalf("read %d MiB before refusing; the limits are at most %d MiB", src.n>>20, max(lim.TarballBytes, limits.MaxProvenanceBytes*6)>>20)
			}
		})
	}
}

// TestDeprecationsFromDocument reads the body npm deprecate sends.
func TestDeprecationsFromDocument(t *testing.T) {
	body := `{"_id":"x","name":"x","versions":{"1.0.0":{"name":"x","deprecated":"old"},"1.1.0":{"name":"x"}}}`
	d, err := ReadDocument(strings.NewReader(body), limits.Default(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if d.IsPublish() {
		t.Fatal("a document without attachments read as a publish")
	}
	msgs, err := d.Deprecations()
	if err != nil || !reflect.DeepEqual(msgs, map[string]string{"1.0.0": "old", "1.1.0": ""}) {
		t.Fatalf("Deprecations() = %v, %v", msgs, err)
	}
}

// filler yields "QUFB" (base64 of "AAA") without end.
type filler struct{ pos int }

func (f *filler) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "QUFB"[f.pos%4]
		f.pos++
	}
	return len(p), nil
}

// countingFiller is a filler that counts what was read from it.
type countingFiller struct {
	filler
	n int64
}

func (c *countingFiller) Read(p []byte) (int, error) {
	n, err := c.filler.Read(p)
	c.n += int64(n)
	return n, err
}

// referenceDocument reads body with encoding/json the way the server
// did before it streamed: the reading ReadDocument must agree with
// whenever it accepts a document.
func referenceDocument(body []byte) (*Document, []byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, nil, core.Errorf(core.KindInvalid, "not an object")
	}
	d := &Document{top: top}
	raw, ok := top["_attachments"]
	delete(top, "_attachments")
	d.outside = int64(len(body) - len(raw))
	if !ok || string(raw) == "null" {
		return d, nil, nil
	}
	d.hasAttachments = true
	var atts map[string]struct {
		ContentType string `json:"content_type"`
		Data        string `json:"data"`
		Length      *int64 `json:"length"`
	}
	if err := json.Unmarshal(raw, &atts); err != nil || atts == nil {
		return nil, nil, core.Errorf(core.KindInvalid, "bad attachments")
	}
	var tgz []byte
	for k, a := range atts {
		at := attachment{key: k, contentType: a.ContentType, length: a.Length}
		if strings.HasSuffix(k, ".sigstore") {
			at.text = a.Data
		} else {
			b, err := base64.StdEncoding.DecodeString(a.Data)
			if err != nil {
				return nil, nil, core.Errorf(core.KindInvalid, "bad base64")
			}
			s512, s1 := sha512.Sum512(b), sha1.Sum(b)
			at.binary, at.size, at.sha512, at.sha1, tgz = true, int64(len(b)), s512[:], s1[:], b
		}
		d.attachments = append(d.attachments, at)
	}
	return d, tgz, nil
}
