package mfa

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/boombuler/barcode/qr"

	"github.com/rampart/rampart/internal/core"
)

// rfcSecret is the SHA-1 seed of RFC 6238 Appendix B, "12345678901234567890",
// in base32.
var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

// rfcCode computes a 6-digit code straight from RFC 4226 §5.3 and RFC 6238,
// independently of pquerna/otp, to cross-check it.
func rfcCode(t testing.TB, secret string, step int64) string {
	t.Helper()
	key, err := b32NoPadding.DecodeString(strings.TrimRight(secret, "="))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha1.New, key)
	_ = binary.Write(mac, binary.BigEndian, uint64(step))
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0xf
	v := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000)
}

func mustKind(t testing.TB, err error, want core.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want kind %v", want)
	}
	if got := core.KindOf(err); got != want {
		t.Fatalf("kind of %q = %v, want %v", err, got, want)
	}
}

func TestRFC6238Vectors(t *testing.T) {
	// RFC 6238 Appendix B, SHA-1 column. The RFC gives 8 digits; a 6-digit
	// code is the same value mod 10^6, i.e. the last 6 digits.
	vectors := []struct {
		unix  int64
		step  int64
		code8 string
	}{
		{59, 0x1, "94287082"},
		{1111111109, 0x23523EC, "07081804"},
		{1111111111, 0x23523ED, "14050471"},
		{1234567890, 0x273EF07, "89005924"},
		{2000000000, 0x3F940AA, "69279037"},
		{20000000000, 0x27BC86AA, "65353130"},
	}
	for _, v := range vectors {
		now := time.Unix(v.unix, 0)
		code := v.code8[2:]
		if got := Step(now); got != v.step {
			t.Errorf("Step(%d) = %#x, want %#x", v.unix, got, v.step)
		}
		if got := rfcCode(t, rfcSecret, v.step); got != code {
			t.Errorf("test helper: code at %d = %s, want %s", v.unix, got, code)
		}
		step, err := VerifyTOTP(rfcSecret, code, now, 0)
		if err != nil {
			t.Errorf("VerifyTOTP(%s at %d) = %v", code, v.unix, err)
			continue
		}
		if step != v.step {
			t.Errorf("VerifyTOTP(%s at %d) step = %#x, want %#x", code, v.unix, step, v.step)
		}
	}
}

func TestStep(t *testing.T) {
	for _, c := range []struct {
		unix, want int64
	}{
		{0, 0}, {29, 0}, {30, 1}, {59, 1}, {60, 2},
		{-1, -1}, {-30, -1}, {-31, -2}, // rounds down, not toward zero
	} {
		if got := Step(time.Unix(c.unix, 0)); got != c.want {
			t.Errorf("Step(%d) = %d, want %d", c.unix, got, c.want)
		}
	}
	// The sub-second part and the location do not matter.
	if got := Step(time.Unix(59, 999_999_999).In(time.FixedZone("x", 5*3600))); got != 1 {
		t.Errorf("Step(59.999s) = %d, want 1", got)
	}
}

func TestVerifyTOTPSkew(t *testing.T) {
	now := time.Unix(1_700_000_015, 0)
	cur := Step(now)
	for d := int64(-3); d <= 3; d++ {
		code := rfcCode(t, rfcSecret, cur+d)
		step, err := VerifyTOTP(rfcSecret, code, now, 0)
		if d >= -1 && d <= 1 {
			if err != nil {
				t.Errorf("code of step now%+d: %v, want accepted", d, err)
			} else if step != cur+d {
				t.Errorf("code of step now%+d: step %d, want %d", d, step, cur+d)
			}
			continue
		}
		// A code ±2 steps away could coincide with one in the window.
		if code == rfcCode(t, rfcSecret, cur-1) || code == rfcCode(t, rfcSecret, cur) || code == rfcCode(t, rfcSecret, cur+1) {
			t.Fatalf("pick another time: step now%+d shares its code with the window", d)
		}
		_, err = VerifyTOTP(rfcSecret, code, now, 0)
		mustKind(t, err, core.KindUnauthenticated)
		if msg := core.Message(err); !strings.Contains(msg, "not valid") {
			t.Errorf("message %q should say the code is not valid", msg)
		}
	}
}

func TestVerifyTOTPReplay(t *testing.T) {
	now := time.Unix(1_700_000_015, 0)
	cur := Step(now)
	code := rfcCode(t, rfcSecret, cur)

	last, err := VerifyTOTP(rfcSecret, code, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The same code again, at once and later while it is still in the
	// window, is refused.
	for _, at := range []time.Time{now, now.Add(Period)} {
		_, err = VerifyTOTP(rfcSecret, code, at, last)
		mustKind(t, err, core.KindUnauthenticated)
		if msg := core.Message(err); msg != "this code was already used; wait for the next code" {
			t.Errorf("replay message = %q", msg)
		}
	}
	// The next code works, and then the next-but-one from the same window.
	next, err := VerifyTOTP(rfcSecret, rfcCode(t, rfcSecret, cur+1), now, last)
	if err != nil || next != cur+1 {
		t.Fatalf("next code: step %d, %v; want %d, nil", next, err, cur+1)
	}
	// An older code, still inside the window, after a newer one: refused.
	_, err = VerifyTOTP(rfcSecret, rfcCode(t, rfcSecret, cur), now, next)
	mustKind(t, err, core.KindUnauthenticated)
	_, err = VerifyTOTP(rfcSecret, rfcCode(t, rfcSecret, cur-1), now, next)
	mustKind(t, err, core.KindUnauthenticated)
}

func TestVerifyTOTPSameCodeTwoSteps(t *testing.T) {
	// If two steps in the window share a code, the later one is returned,
	// so that the code cannot be accepted a second time for the later step.
	// Steps s and s+2 share the code 882938 for the RFC secret (found by a
	// search; about one step in a million has such a twin).
	const s = 57017782
	code := rfcCode(t, rfcSecret, s)
	if code != "882938" || rfcCode(t, rfcSecret, s+2) != code {
		t.Fatalf("steps %d and %d do not share a code", s, s+2)
	}
	now := time.Unix((s+1)*int64(Period/time.Second), 0)
	step, err := VerifyTOTP(rfcSecret, code, now, 0)
	if err != nil || step != s+2 {
		t.Fatalf("step %d, %v; want %d, nil", step, err, s+2)
	}
	_, err = VerifyTOTP(rfcSecret, code, now.Add(Period), step)
	mustKind(t, err, core.KindUnauthenticated)
}

func TestVerifyTOTPMalformed(t *testing.T) {
	now := time.Unix(59, 0)
	for _, code := range []string{
		"", " ", "28708", "2870821", "287O82", "28708a", "+28708", "-28708",
		"２８７０８２", // full-width digits are digits to unicode, not to us
		"287082\x00", "287-082", strings.Repeat(" ", 100) + "287082",
	} {
		_, err := VerifyTOTP(rfcSecret, code, now, 0)
		mustKind(t, err, core.KindInvalid)
		if msg := core.Message(err); msg != "enter the 6-digit code from your authenticator app" {
			t.Errorf("VerifyTOTP(%q) message = %q", code, msg)
		}
	}
	// Spaces anywhere, as apps display or paste them, are fine.
	for _, code := range []string{"287 082", " 287082\n", "2 8 7 0 8 2", "\t287\u00a0082"} {
		if _, err := VerifyTOTP(rfcSecret, code, now, 0); err != nil {
			t.Errorf("VerifyTOTP(%q) = %v", code, err)
		}
	}
}

func TestVerifyTOTPBadSecret(t *testing.T) {
	now := time.Unix(59, 0)
	for _, secret := range []string{
		"",                                 // HMAC with an empty key: anyone could compute codes
		"GEZDGNBVGY3TQOJQ",                 // 80 bits
		"not base32!",                      //
		rfcSecret[:len(rfcSecret)-1] + "1", // '1' is not base32
	} {
		_, err := VerifyTOTP(secret, "287082", now, 0)
		mustKind(t, err, core.KindInternal)
	}
	// Lower case and padding, as some tools write secrets, are accepted.
	if _, err := VerifyTOTP(strings.ToLower(rfcSecret), "287082", now, 0); err != nil {
		t.Errorf("lower-case secret: %v", err)
	}
}

func TestNewTOTP(t *testing.T) {
	key, err := NewTOTP("Rampart Dev", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b32NoPadding.DecodeString(key.Secret)
	if err != nil || len(raw) != 20 || len(key.Secret) != 32 {
		t.Fatalf("Secret %q: %d bytes, %v; want 32 characters, 20 bytes", key.Secret, len(raw), err)
	}
	u, err := url.Parse(key.URL)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Rampart Dev:alice@example.com" {
		t.Errorf("URL %q: scheme %q host %q path %q", key.URL, u.Scheme, u.Host, u.Path)
	}
	q := u.Query()
	for k, want := range map[string]string{
		"secret": key.Secret, "issuer": "Rampart Dev", "algorithm": "SHA1", "digits": "6", "period": "30",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("URL %s = %q, want %q", k, got, want)
		}
	}
	// Some apps read "+" literally, so spaces must be %20.
	if strings.Contains(key.URL, "+") {
		t.Errorf("URL %q encodes a space as +", key.URL)
	}

	// The confirm step: a code from the app verifies.
	now := time.Now()
	if _, err := VerifyTOTP(key.Secret, rfcCode(t, key.Secret, Step(now)), now, 0); err != nil {
		t.Errorf("code for a new key: %v", err)
	}

	other, err := NewTOTP("Rampart Dev", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if other.Secret == key.Secret {
		t.Error("two keys share a secret")
	}
}

func TestNewTOTPInjectedRand(t *testing.T) {
	key, err := newTOTP(bytes.NewReader([]byte("12345678901234567890")), "Rampart", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if key.Secret != strings.TrimRight(rfcSecret, "=") {
		t.Errorf("Secret = %q, want %q", key.Secret, rfcSecret)
	}
	// A short or failing reader is an error, not a weak secret.
	_, err = newTOTP(bytes.NewReader(make([]byte, 19)), "Rampart", "alice")
	if err == nil {
		t.Error("short read: err = nil")
	}
	boom := errors.New("boom")
	_, err = newTOTP(iotest.ErrReader(boom), "Rampart", "alice")
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want it to wrap %v", err, boom)
	}
}

func TestNewTOTPBadNames(t *testing.T) {
	for _, c := range [][2]string{
		{"", "alice"}, {" ", "alice"}, {"Ram:part", "alice"},
		{"Rampart", ""}, {"Rampart", "al:ice"},
	} {
		_, err := NewTOTP(c[0], c[1])
		mustKind(t, err, core.KindInvalid)
	}
}

func TestQRPNG(t *testing.T) {
	key, err := NewTOTP("Rampart", "alice")
	if err != nil {
		t.Fatal(err)
	}
	const size = 256
	data, err := QRPNG(key.URL, size)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
		t.Fatalf("image is %v, want %dx%d", b, size, size)
	}
	// Check the image module by module against the encoder's own matrix,
	// and that the quiet zone is white.
	code, err := qr.Encode(key.URL, qr.M, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	n := code.Bounds().Dx()
	scale := size / (n + 2*qrQuietZone)
	off := (size - n*scale) / 2
	if off < qrQuietZone*scale {
		t.Fatalf("border %dpx is narrower than %d modules of %dpx", off, qrQuietZone, scale)
	}
	dark := func(x, y int) bool { r, _, _, _ := img.At(x, y).RGBA(); return r < 0x8000 }
	for y := range size {
		for x := range size {
			inCode := x >= off && y >= off && x < off+n*scale && y < off+n*scale
			if !inCode && dark(x, y) {
				t.Fatalf("pixel (%d,%d) in the border is dark", x, y)
			}
		}
	}
	for my := range n {
		for mx := range n {
			r, _, _, _ := code.At(mx, my).RGBA()
			want := r == 0
			for _, p := range [][2]int{{0, 0}, {scale - 1, scale - 1}} {
				if got := dark(off+mx*scale+p[0], off+my*scale+p[1]); got != want {
					t.Fatalf("module (%d,%d): dark = %v, want %v", mx, my, got, want)
				}
			}
		}
	}
}

func TestQRPNGBadSize(t *testing.T) {
	for _, size := range []int{-1, 0, 20, maxQRSize + 1} {
		if _, err := QRPNG("otpauth://totp/Rampart:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", size); err == nil {
			t.Errorf("QRPNG(size %d): err = nil", size)
		}
	}
}

func FuzzVerifyTOTP(f *testing.F) {
	now := time.Unix(1111111111, 0)
	cur := Step(now)
	for _, s := range []string{"050471", "050 471", "081804", "", " ", "12345", "1234567", "abcdef", "٠١٢٣٤٥", "\xff\xfe", "05047\u0661"} {
		f.Add(s, int64(0))
		f.Add(s, cur)
	}
	f.Fuzz(func(t *testing.T, code string, lastStep int64) {
		step, err := VerifyTOTP(rfcSecret, code, now, lastStep)
		if err != nil {
			if k := core.KindOf(err); k != core.KindInvalid && k != core.KindUnauthenticated {
				t.Fatalf("VerifyTOTP(%q, %d) kind %v: %v", code, lastStep, k, err)
			}
			return
		}
		if step < cur-1 || step > cur+1 || step <= lastStep {
			t.Fatalf("VerifyTOTP(%q, %d) = step %d, outside (max(lastStep, now-2), now+1]", code, lastStep, step)
		}
		norm, ok := normaliseCode(code)
		if !ok || string(norm) != rfcCode(t, rfcSecret, step) {
			t.Fatalf("VerifyTOTP(%q, %d) accepted a code that is not the code of step %d", code, lastStep, step)
		}
	})
}
