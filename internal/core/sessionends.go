package core

// WebOTPPurpose is what a web one-time value was issued for. A value is
// accepted only for its purpose: one approved for an npm write is no
// browser second factor.
type WebOTPPurpose string

// WebOTPNPMWrite is a value that a keys-only account approved in the
// browser for one npm write (npm's web OTP), sent back as npm-otp.
const WebOTPNPMWrite WebOTPPurpose = "npm-write"

// EventEmailChangeCancel: the account's owner cancelled a pending change
// of address from the account page; the link mailed to the new address
// stopped working.
const EventEmailChangeCancel = "account.email_change_cancel"
