package authz

import (
	"errors"

	"github.com/rampart/rampart/internal/core"
)

// OTPNeeded is Authorize's third answer, beside allow (nil) and a
// refusal: everything else allows the action, but it needs a one-time
// password the request has not spent. It is a decision, not a side
// effect: the caller spends the request's code, if any, outside any
// transaction, and asks again (Settle does both). Its kind is
// KindOTPRequired and its message says how to send a code (a Refusal
// with ReasonOTPRequired, worded by the client's Hints: npm's --otp, or a
// security key; StepUpMessage in a browser), so a caller that has no code
// to spend answers it as it is and npm prompts for one.
type OTPNeeded struct {
	err error
}

func (e *OTPNeeded) Error() string { return e.err.Error() }
func (e *OTPNeeded) Unwrap() error { return e.err }

// needOTP is the answer of an action that needs a one-time password:
// allowed if the request's code was spent and held, otherwise the
// decision that one is needed.
// word says it for each client (Hints), as a refusal's advice does.
func needOTP(p Principal, word func(Hints) string) error {
	if p.OTPPassed() {
		return nil
	}
	return &OTPNeeded{err: refuse(core.KindOTPRequired, ReasonOTPRequired, core.PackageRef{}, word)}
}

// NeedsOTP reports whether err is Authorize's decision that the action
// needs a one-time password.
func NeedsOTP(err error) bool {
	var n *OTPNeeded
	return errors.As(err, &n)
}

// Settle runs decide, a check that calls Authorize (in a read
// transaction, say), and carries out its decision when it is OTPNeeded:
// if the request carried a one-time password, Settle spends it and runs
// decide again, which now sees the code recorded on the principal
// (OTPPassed). A wrong or used code asks again (KindOTPRequired with the
// check's message), so npm prompts once more. Any other answer comes back
// as it is, so a code is never spent by a request refused for another
// reason, nor by one that needs none.
//
// Spending writes (the code's step, a web OTP value): call Settle outside
// any transaction, and have decide open and close its own.
func Settle(p Principal, decide func() error) error {
	err := decide()
	if !NeedsOTP(err) || p.OTP == nil {
		return err
	}
	if err := p.OTP.spend(); err != nil {
		switch core.KindOf(err) {
		case core.KindUnauthenticated, core.KindInvalid:
			// A wrong or spent code: ask again, so npm prompts (on a TTY).
			return core.Errorf(core.KindOTPRequired, "%s", core.Message(err))
		}
		return err
	}
	return decide()
}

// Require is Authorize followed by Settle, for a caller outside any
// transaction whose resource is known without the store: the decision,
// and when it needs one, the request's one-time password spent and the
// decision taken again.
func Require(p Principal, a Action, r Resource) error {
	return Settle(p, func() error { return Authorize(p, a, r) })
}
