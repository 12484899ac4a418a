package account

// AdminEnrolment says where an administrator adds the second factor that
// administrative power needs (authz.AdminFactorMissing), and whether it
// must be a security key or passkey: what `rampart admin user create
// --admin` tells the operator.
func (s *Service) AdminEnrolment() (url string, keyRequired bool) {
	if s.policy.MFA.InsecureAdminsWithTOTP {
		return s.url(PathMFA), false
	}
	return s.url(pathSecurityKeys), true
}
