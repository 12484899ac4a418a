// Package mfa holds Rampart's second factors that are not passkeys: TOTP
// authenticator apps (RFC 6238) and single-use recovery codes. It is pure:
// it stores nothing, reads no clock and sends nothing. The caller passes
// the time, keeps the secret, the last accepted time step and the recovery
// code hashes, throttles attempts, and sends the notices.
//
// SMS and email codes are deliberately not offered. SMS falls to SIM swaps
// and interception, and email is the channel an attacker who has taken over
// an inbox already controls, which is also where password resets go; a
// "second" factor there adds nothing.
//
// # Enrolment
//
//  1. NewTOTP makes a secret and its otpauth:// URL; QRPNG renders the URL
//     for the web UI (embed it as a data: URL). Keep the secret as pending:
//     MFA is not on yet.
//  2. The user scans it and types the current code. VerifyTOTP with
//     lastStep 0 checks it; only then does the caller turn MFA on, storing
//     the secret and the returned step, and hands out NewRecoveryCodes.
//
// The confirm step proves the app holds the secret and the device's clock
// is right before the account depends on them.
//
// # Replay
//
// pquerna/otp does not refuse a code that was already accepted, and a code
// stays valid for up to 90 seconds with the ±1 step of skew allowed here.
// So VerifyTOTP takes the last accepted step and refuses any step not after
// it; the caller must store the returned step atomically with the login
// (compare-and-swap), or two concurrent requests could both spend one code.
//
// # Recovery codes
//
// NewRecoveryCodes returns codes to show once and hashes to store.
// MatchRecoveryCode returns the index of the hash that matched, which the
// caller deletes (single use) before telling the user, by email, that a
// recovery code was used and how many are left. Calling NewRecoveryCodes
// again regenerates the set; the caller replaces all stored hashes.
package mfa
