package npm

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/npmfixture"
)

// checkResult enforces the contract every parser here keeps on any
// input: exactly one of result and error, and an error that is a user
// error (never internal, never a panic) with a message for the user.
func checkResult(t *testing.T, ok bool, err error) {
	t.Helper()
	switch {
	case ok && err != nil:
		t.Fatalf("got a result and an error %v", err)
	case !ok && err == nil:
		t.Fatal("got neither a result nor an error")
	case err != nil:
		if k := core.KindOf(err); k != core.KindInvalid && k != core.KindTooLarge {
			t.Fatalf("error %v has kind %v; bad input must give KindInvalid or KindTooLarge", err, k)
		}
		if core.Message(err) == "" {
			t.Fatal("error has no message")
		}
	}
}

func FuzzParsePublish(f *testing.F) {
	tgz := npmfixture.Tarball(0, goodEntries()...)
	f.Add(encode(f, publishDoc("left-pad", "1.0.0", tgz)), "left-pad")
	scoped := publishDoc("@acme/widget", "2.0.0-beta.1", tgz)
	scoped["dist-tags"] = map[string]any{"next": "2.0.0-beta.1"}
	attachmentsOf(scoped)["@acme/widget-2.0.0-beta.1.sigstore"] = map[string]any{
		"content_type": "application/vnd.dev.sigstore.bundle.v0.3+json", "data": testBundle, "length": len(testBundle),
	}
	f.Add(encode(f, scoped), "@acme/widget")
	f.Add([]byte(`{"name":"x","_id":"x","versions":{"1.0.0":{"name":"x","version":"1.0.0","dist":{}}}}`), "x")
	f.Add([]byte(`null`), "x")
	f.Add([]byte(`{"name":`), "x")

	lim := smallLimits()
	f.Fuzz(func(t *testing.T, body []byte, urlName string) {
		p, err := ParsePublish(body, urlName, lim)
		checkResult(t, p != nil, err)
		if p == nil {
			return
		}
		if p.Name != urlName || p.Tarball == nil || p.Integrity != Integrity(p.Tarball) || p.Manifest == nil {
			t.Fatalf("accepted a publish that breaks its own checks: %+v", p)
		}
		if ValidateName(p.Name) != nil || ValidateVersion(p.Version) != nil || ValidateTag(p.Tag) != nil {
			t.Fatal("accepted an invalid name, version or tag")
		}
	})
}

// FuzzReadDocument holds the streaming reader to encoding/json: whatever
// ReadDocument accepts, encoding/json (the reader the server used before,
// referenceDocument) must accept and read the same way, member for
// member, attachment for attachment, byte for byte of the tarball; and
// the publish validated from either reading must be the same.
func FuzzReadDocument(f *testing.F) {
	tgz := npmfixture.Tarball(0, goodEntries()...)
	f.Add(encode(f, publishDoc("left-pad", "1.0.0", tgz)), "left-pad")
	scoped := publishDoc("@acme/widget", "2.0.0-beta.1", tgz)
	attachmentsOf(scoped)["@acme/widget-2.0.0-beta.1.sigstore"] = map[string]any{
		"content_type": "application/vnd.dev.sigstore.bundle.v0.3+json", "data": testBundle, "length": len(testBundle),
	}
	f.Add(encode(f, scoped), "@acme/widget")
	f.Add([]byte(`{"name":"x","name":"y"}`), "x")
	f.Add([]byte(`{"_attachments":{"x-1.0.0.tgz":{"DATA":"QUFB","data":"QkJC"}}}`), "x")
	f.Add([]byte(`{"_attachments":{"x-1.0.0.tgz":{"data":"QU\/B\u0041\r\nQQ==","length":4,"x":[1,{"y":"\""}]}},"a":-1.5e3}`), "x")
	f.Add([]byte(`{"_attachments":null,"versions":{"1.0.0":{"deprecated":"no"}}} `), "x")
	f.Add([]byte(`{"versions":{"1.0.0":{}}}{}`), "x")

	lim := smallLimits()
	f.Fuzz(func(t *testing.T, body []byte, urlName string) {
		var out bytes.Buffer
		d, err := ReadDocument(bytes.NewReader(body), lim, &out)
		checkResult(t, d != nil, err)
		if d == nil {
			return
		}
		ref, refTgz, err := referenceDocument(body)
		if err != nil {
			t.Fatalf("ReadDocument accepted a document encoding/json refuses (%v)", err)
		}
		if !reflect.DeepEqual(d.top, ref.top) || d.hasAttachments != ref.hasAttachments || d.outside != ref.outside {
			t.Fatalf("the two readings differ:\nstream:   %v %t %d\nencoding: %v %t %d", d.top, d.hasAttachments, d.outside, ref.top, ref.hasAttachments, ref.outside)
		}
		if got, want := normalAttachments(d.attachments), normalAttachments(ref.attachments); !reflect.DeepEqual(got, want) {
			t.Fatalf("the attachments differ:\nstream:   %+v\nencoding: %+v", got, want)
		}
		if !bytes.Equal(out.Bytes(), refTgz) {
			t.Fatalf("the tarball differs: %q, encoding/json %q", out.Bytes(), refTgz)
		}
		p1, err1 := d.Publish(urlName, lim)
		p2, err2 := ref.Publish(urlName, lim)
		if (err1 == nil) != (err2 == nil) || !reflect.DeepEqual(p1, p2) {
			t.Fatalf("the publishes differ: %+v %v, encoding/json %+v %v", p1, err1, p2, err2)
		}
	})
}

// normalAttachments sorts attachments by key and reads a binary
// attachment without data as the empty tarball encoding/json sees.
func normalAttachments(as []attachment) []attachment {
	out := slices.Clone(as)
	for i := range out {
		if !out[i].binary && !strings.HasSuffix(out[i].key, ".sigstore") {
			s512, s1 := sha512.Sum512(nil), sha1.Sum(nil)
			out[i].binary, out[i].sha512, out[i].sha1 = true, s512[:], s1[:]
		}
	}
	slices.SortFunc(out, func(a, b attachment) int { return strings.Compare(a.key, b.key) })
	return out
}

// FuzzBase64Stream holds the streaming base64 decoder to
// base64.StdEncoding.DecodeString: the same verdict and the same bytes,
// however the input is split and whatever the chunk size.
func FuzzBase64Stream(f *testing.F) {
	f.Add("QUFB", uint8(1), uint8(0))
	f.Add("QQ==", uint8(3), uint8(1))
	f.Add("QQ==QQ==", uint8(2), uint8(0))
	f.Add("QU\r\nFB\nQQ=\r\n=", uint8(5), uint8(2))
	f.Add("QUF", uint8(1), uint8(0))
	f.Add("QR==", uint8(4), uint8(1))
	f.Fuzz(func(t *testing.T, in string, split, chunkQuads uint8) {
		want, wantErr := base64.StdEncoding.DecodeString(in)
		var out bytes.Buffer
		dec := &base64Stream{w: &out, max: 1 << 30, chunk: 4 * (int(chunkQuads%16) + 1)}
		step := int(split%16) + 1
		var err error
		for i := 0; i < len(in) && err == nil; i += step {
			err = dec.write([]byte(in[i:min(i+step, len(in))]))
		}
		if err == nil {
			err = dec.close()
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: stream says %v, DecodeString says %v", in, err, wantErr)
		}
		if err == nil && !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("%q: stream decoded %q, DecodeString %q", in, out.Bytes(), want)
		}
	})
}
