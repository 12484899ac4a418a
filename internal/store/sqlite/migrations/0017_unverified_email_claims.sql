-- Version 17: an unverified address no longer holds its address
-- (security review item 21). users.email_lower stays UNIQUE, but for an
-- unverified account it now holds the address followed by
-- ' (unverified <name>)', which no address can end in: any number of
-- unverified accounts may claim an address, also one another account
-- verified, and the first to verify it wins (making it verified while
-- another account has it verified is a conflict). Sign-up then neither
-- squats an address for good nor tells whether it is taken. See emailKey
-- in tx.go.
UPDATE users SET email_lower = email_lower || ' (unverified ' || name || ')'
	WHERE email_verified = 0;
