package core

// Event types of the operator's account commands (rampart admin user).
const (
	// EventAccountEnable: an administrator re-enabled a disabled account.
	EventAccountEnable = "account.enable"
)
