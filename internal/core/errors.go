// Package core holds Rampart's domain types and its one error taxonomy.
// It imports nothing from transport or storage: the npm front-end, the web
// UI and the stores all speak in these terms.
package core

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error by what the caller must do about it. The HTTP
// front-ends map each Kind to a status code in exactly one place
// (internal/httperr); domain code never names a status code.
type Kind int

const (
	KindInternal        Kind = iota // a fault of ours; the message is not shown
	KindInvalid                     // the request is malformed or breaks a rule
	KindUnauthenticated             // no credentials, or credentials that do not hold
	KindOTPRequired                 // a one-time password must accompany the request
	KindForbidden                   // authenticated, but not allowed
	KindNotFound                    // no such thing (or not visible to the caller)
	KindConflict                    // the state forbids it: a used version, a taken name
	KindTooLarge                    // over a configured size limit
	KindRateLimited                 // too many attempts; RetryAfter says when to retry
	KindDataFault                   // stored data is damaged or missing: ours to repair; unlike KindInternal, the message is shown
	KindWrongMethod                 // the resource exists but does not take this operation; Allow says which it takes
	KindUpstream                    // an upstream registry failed or lied (internal/upstream); the message is shown
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindOTPRequired:
		return "otp_required"
	case KindForbidden:
		return "forbidden"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindTooLarge:
		return "too_large"
	case KindRateLimited:
		return "rate_limited"
	case KindDataFault:
		return "data_fault"
	case KindWrongMethod:
		return "wrong_method"
	case KindUpstream:
		return "upstream"
	default:
		return "internal"
	}
}

// Error is a domain error with a message meant for the user: it says what
// was wrong and, where there is something to do, what to do.
type Error struct {
	Kind       Kind
	Msg        string
	RetryAfter time.Duration // set for KindRateLimited
	Allow      []string      // set for KindWrongMethod: the operations the resource takes
	Err        error         // the cause, if any; never shown to clients

	sentinel bool
}

func (e *Error) Error() string {
	if e.Err != nil && e.Msg == "" {
		return e.Err.Error()
	}
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) match any Error of the same kind
// when the target is one of the kind sentinels below.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || !t.sentinel {
		return false
	}
	return t.Kind == e.Kind
}

// Errorf builds an Error of the given kind. The message is formatted with
// fmt.Sprintf; a %w verb wraps its argument as the cause.
func Errorf(kind Kind, format string, args ...any) error {
	wrapped := fmt.Errorf(format, args...)
	return &Error{Kind: kind, Msg: wrapped.Error(), Err: errors.Unwrap(wrapped)}
}

// RateLimited reports that a caller must wait before trying again.
func RateLimited(retryAfter time.Duration, format string, args ...any) error {
	return &Error{Kind: KindRateLimited, Msg: fmt.Sprintf(format, args...), RetryAfter: retryAfter}
}

// WrongMethod reports that a resource takes only the operations in allow
// (for HTTP, its methods), so that the client learns what it may ask.
func WrongMethod(allow []string, format string, args ...any) error {
	return &Error{Kind: KindWrongMethod, Msg: fmt.Sprintf(format, args...), Allow: allow}
}

// KindOf returns the Kind of err, or KindInternal if err carries none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Message returns the user-facing message of err. Internal errors get a
// generic text so that no detail of ours leaks to a client.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != KindInternal {
		if e.Msg != "" {
			return e.Msg
		}
		return e.Error()
	}
	return "internal error; the operator's log has the details"
}

// RetryAfterOf returns how long a rate-limited caller should wait.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// AllowOf returns the operations a resource takes, for a KindWrongMethod
// error.
func AllowOf(err error) []string {
	var e *Error
	if errors.As(err, &e) {
		return e.Allow
	}
	return nil
}

// Sentinels for errors.Is checks. Stores return ErrNotFound and ErrConflict
// (wrapped with %w); services turn them into messages for the user.
var (
	ErrNotFound = &Error{Kind: KindNotFound, Msg: "not found", sentinel: true}
	ErrConflict = &Error{Kind: KindConflict, Msg: "conflict", sentinel: true}
)
