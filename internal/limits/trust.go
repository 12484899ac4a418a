package limits

import "time"

// Bounds of trusted publishing (docs/limits.md, "Trusted publishing").
const (
	// MaxIDTokenBytes bounds an OIDC ID token sent to the token exchange:
	// GitHub's and GitLab's are under 4 KiB. A longer one is refused
	// before it is parsed.
	MaxIDTokenBytes = 16 << 10
	// MaxOIDCDocumentBytes bounds an issuer's discovery document and JWKS
	// as read from the network.
	MaxOIDCDocumentBytes = 1 * MiB
	// OIDCFetchTimeout bounds one fetch of a discovery document or JWKS.
	OIDCFetchTimeout = 10 * time.Second
	// MaxIDTokenLifetime refuses an ID token that claims to live longer
	// (exp - iat): CI tokens live minutes, and a long-lived one would be
	// a replay window the jti store must keep open for as long.
	MaxIDTokenLifetime = 6 * time.Hour
	// IDTokenSkew is the clock skew allowed on iat (an ID token issued a
	// little in the future of this server's clock); nbf gets go-oidc's
	// five minutes, exp none.
	IDTokenSkew = time.Minute
	// MaxTrustClaimBytes bounds one claim value of a trusted-publisher
	// configuration, and MaxTrustClaims their number.
	MaxTrustClaimBytes = 512
	MaxTrustClaims     = 16
	// MaxTrustedPublishers bounds the configurations of one package, and
	// MaxPendingPublishers the pending ones of one user, so a name cannot
	// be made expensive to check nor names squatted in bulk.
	MaxTrustedPublishers = 20
	MaxPendingPublishers = 5
)
