package mfa

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"image"
	"image/png"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/boombuler/barcode/qr"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/rampart/rampart/internal/core"
)

// The TOTP parameters. They are the defaults of Google Authenticator, and
// the only ones every authenticator app supports; several apps silently
// ignore algorithm, digits and period in the URL, so anything else would
// enrol fine and then never verify.
const (
	// Period is the length of a time step.
	Period = 30 * time.Second
	// Digits is the number of digits in a code.
	Digits = 6
	// SecretBytes is the size of a new secret: 160 bits, the HMAC-SHA1
	// output size that RFC 4226 §4 recommends.
	SecretBytes = 20

	// minSecretBytes is the 128 bits RFC 4226 §4 requires. A shorter
	// stored secret means corrupt data, never a user error; an empty one
	// would even make every code computable by anyone.
	minSecretBytes = 16

	// skewSteps is how many steps either side of now are accepted, to
	// allow for a phone clock a little off and for the time it takes to
	// type the code.
	skewSteps = 1

	// maxCodeInput bounds the input VerifyTOTP looks at, so that a huge
	// string costs nothing; a code with its spaces is far shorter.
	maxCodeInput = 32

	// maxQRSize bounds QRPNG's image, so that a bad size cannot make it
	// allocate without limit.
	maxQRSize = 2048
	// qrQuietZone is the white border, in modules, that the QR standard
	// (ISO/IEC 18004) requires around the code; without it scanners often
	// fail on a dark page.
	qrQuietZone = 4
)

// periodSeconds is Period in the unit of the RFC 6238 step arithmetic.
const periodSeconds = int64(Period / time.Second)

// hotpOpts are the parameters above in pquerna/otp's terms.
var hotpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

var b32NoPadding = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTPKey is a new authenticator-app enrolment.
type TOTPKey struct {
	// Secret is the shared secret in unpadded base32 (32 characters,
	// 160 bits). It is what VerifyTOTP needs; users who cannot scan the
	// QR code can type it in instead.
	Secret string
	// URL is the otpauth:// key URI that authenticator apps read from the
	// QR code:
	// otpauth://totp/<issuer>:<account>?algorithm=SHA1&digits=6&issuer=<issuer>&period=30&secret=<secret>
	URL string
}

// NewTOTP returns a new random secret for account, labelled with issuer
// (the registry's name as users know it) in authenticator apps.
func NewTOTP(issuer, account string) (TOTPKey, error) {
	return newTOTP(rand.Reader, issuer, account)
}

func newTOTP(rnd io.Reader, issuer, account string) (TOTPKey, error) {
	// The key URI label is "issuer:account", so a colon in either part
	// would make apps show the wrong name (Key Uri Format, "Label").
	if strings.TrimSpace(issuer) == "" || strings.Contains(issuer, ":") {
		return TOTPKey{}, core.Errorf(core.KindInvalid,
			"the issuer name for authenticator apps must be non-empty and must not contain a colon, got %q", issuer)
	}
	if strings.TrimSpace(account) == "" || strings.Contains(account, ":") {
		return TOTPKey{}, core.Errorf(core.KindInvalid,
			"the account name for authenticator apps must be non-empty and must not contain a colon, got %q", account)
	}
	// We draw the secret ourselves rather than let totp.Generate read rnd,
	// so that its size is ours to check and a short read is an error.
	secret := make([]byte, SecretBytes)
	if _, err := io.ReadFull(rnd, secret); err != nil {
		return TOTPKey{}, fmt.Errorf("generating TOTP secret: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      uint(periodSeconds),
		Secret:      secret,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return TOTPKey{}, fmt.Errorf("building otpauth URL: %w", err)
	}
	return TOTPKey{Secret: key.Secret(), URL: key.String()}, nil
}

// QRPNG renders url (a TOTPKey's URL) as a size×size PNG QR code with the
// standard white border, for the web UI to embed as a data: URL. size must
// leave at least one pixel per module; 256 is comfortable for a TOTP URL.
func QRPNG(url string, size int) ([]byte, error) {
	if size <= 0 || size > maxQRSize {
		return nil, fmt.Errorf("QR code size %d is outside 1..%d", size, maxQRSize)
	}
	// Level M (15% of the code may be damaged) is what pquerna/otp's
	// Key.Image uses; it keeps a TOTP URL at a size phones read easily.
	code, err := qr.Encode(url, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("encoding QR code: %w", err)
	}
	modules := code.Bounds().Dx()
	scale := size / (modules + 2*qrQuietZone)
	if scale < 1 {
		return nil, fmt.Errorf("QR code size %d is too small for %d modules plus the border; use at least %d",
			size, modules, modules+2*qrQuietZone)
	}
	// Whole pixels per module keep the edges sharp; what is left over
	// widens the border evenly.
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	offset := (size - modules*scale) / 2
	for y := range modules {
		for x := range modules {
			if r, _, _, _ := code.At(x, y).RGBA(); r != 0 {
				continue // a light module: the canvas is white already
			}
			for dy := range scale {
				row := img.PixOffset(offset+x*scale, offset+y*scale+dy)
				clear(img.Pix[row : row+scale])
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encoding QR code PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// Step returns the RFC 6238 time step that t falls in: Unix seconds
// divided by 30, rounded down.
func Step(t time.Time) int64 {
	s := t.Unix()
	step := s / periodSeconds
	if s%periodSeconds < 0 { // round down before 1970 too, not toward zero
		step--
	}
	return step
}

// VerifyTOTP checks code against secret at time now, accepting the codes of
// the steps now-1, now and now+1. It refuses a code whose step is not after
// lastStep, the step the caller stored at the last successful check (0 if
// none): that stops a code seen over a shoulder, or captured by a phishing
// page, from being used again, and an older code from being used after a
// newer one. On success it returns the matched step, which the caller must
// store as the new lastStep.
//
// Errors: core.KindInvalid if code is not 6 digits (spaces are ignored);
// core.KindUnauthenticated if it is wrong or already used; an internal
// error if secret is not a valid stored secret. A random guess succeeds
// about three times in a million (three steps are accepted), so the caller
// must throttle attempts per account.
func VerifyTOTP(secret, code string, now time.Time, lastStep int64) (step int64, err error) {
	given, ok := normaliseCode(code)
	if !ok {
		return 0, core.Errorf(core.KindInvalid, "enter the 6-digit code from your authenticator app")
	}
	if err := checkSecret(secret); err != nil {
		return 0, err
	}
	// Compute and compare every candidate, so that the time taken says
	// nothing about which step matched or how much of a code was right.
	// If two steps happen to share the code, keep the later one: returning
	// the earlier would let the same code be accepted again, for the later
	// step, once the caller stored the earlier.
	current := Step(now)
	matched := int64(-1)
	for s := current - skewSteps; s <= current+skewSteps; s++ {
		if s < 0 {
			continue // no step before 1970; only a broken clock gets here
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), hotpOpts)
		if err != nil {
			return 0, fmt.Errorf("computing TOTP code: %w", err)
		}
		// mask is all ones on a match and zero otherwise: a select
		// without a branch.
		mask := -int64(subtle.ConstantTimeCompare([]byte(want), given))
		matched = matched&^mask | s&mask
	}
	if matched < 0 {
		return 0, core.Errorf(core.KindUnauthenticated,
			"that code is not valid; enter the code your authenticator app shows now, and check that your device's clock is set automatically")
	}
	if matched <= lastStep {
		return 0, core.Errorf(core.KindUnauthenticated, "this code was already used; wait for the next code")
	}
	return matched, nil
}

// normaliseCode strips the spaces that apps show in the middle of a code
// ("123 456") and that copy-paste brings along, and reports whether what
// is left is exactly Digits ASCII digits.
func normaliseCode(code string) ([]byte, bool) {
	if len(code) > maxCodeInput {
		return nil, false
	}
	out := make([]byte, 0, Digits)
	for _, r := range code {
		switch {
		case unicode.IsSpace(r):
		case '0' <= r && r <= '9' && len(out) < Digits:
			out = append(out, byte(r))
		default:
			return nil, false
		}
	}
	return out, len(out) == Digits
}

// checkSecret rejects a stored secret that is not base32 or too short, as
// an internal error: it is our data that is wrong, not the user's input.
// pquerna/otp would accept an empty secret, for which anyone can compute
// the codes.
func checkSecret(secret string) error {
	raw, err := b32NoPadding.DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		return fmt.Errorf("stored TOTP secret is not base32: %w", err)
	}
	if len(raw) < minSecretBytes {
		return fmt.Errorf("stored TOTP secret has %d bytes, fewer than the %d required", len(raw), minSecretBytes)
	}
	return nil
}

// TOTPKeyFor rebuilds the enrolment of a stored secret (as NewTOTP made
// it), so that a pending enrolment can be shown again without a new
// secret.
func TOTPKeyFor(issuer, account, secret string) (TOTPKey, error) {
	if err := checkSecret(secret); err != nil {
		return TOTPKey{}, err
	}
	raw, _ := b32NoPadding.DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if len(raw) != SecretBytes {
		return TOTPKey{}, fmt.Errorf("stored TOTP secret has %d bytes, want %d", len(raw), SecretBytes)
	}
	return newTOTP(bytes.NewReader(raw), issuer, account)
}
