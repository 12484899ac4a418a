package identity

// CheckSharedName applies the user-name rules to a name that shares the
// user names' space: an organisation's, which owns the scope of its
// name as a user owns theirs (docs/orgs.md). Syntax and reserved names
// both apply, so an org cannot take a name sign-up would refuse.
func CheckSharedName(name string) error {
	if err := ValidateUserName(name); err != nil {
		return err
	}
	return checkReservedName(name)
}
