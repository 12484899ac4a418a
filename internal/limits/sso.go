package limits

// MaxSSOResponseBytes bounds an identity provider's token endpoint answer
// read at an SSO sign-in (internal/sso): an ID token and a few others.
const MaxSSOResponseBytes = 64 << 10
