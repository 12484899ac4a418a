package secondfactor

import "github.com/rampart/rampart/internal/account"

// AdminEnrolment says where an administrator adds the second factor that
// administrative power needs (authz.AdminFactorMissing), and whether it
// must be a security key or passkey: what `rampart admin user create
// --admin` tells the operator.
func (s *Service) AdminEnrolment() (url string, keyRequired bool) {
	if s.mfa.InsecureAdminsWithTOTP {
		return s.notes.URL(account.PathMFA), false
	}
	return s.notes.URL(account.PathSecurityKeys), true
}
