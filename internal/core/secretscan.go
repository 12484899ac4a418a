package core

// The secret-scanning event type (internal/secretscan).
const (
	// EventTokenLeaked: a live API token was found where others can read
	// it (reported by a secret scanner, or inside an uploaded package)
	// and was revoked.
	EventTokenLeaked = "token.leaked"
)
