package webkit

// ciNames are the usual names of trusted publishers' issuers, as
// `npm trust <type>` names them.
var ciNames = map[string]string{"github": "GitHub Actions", "gitlab": "GitLab CI/CD", "circleci": "CircleCI"}

// CIName is how the package and version pages name a trusted publisher's
// issuer: "GitHub Actions" for "github"; an operator's own issuer by its
// configured name.
func CIName(issuer string) string {
	if n, ok := ciNames[issuer]; ok {
		return n
	}
	if len(issuer) > 60 {
		return issuer[:60] + "…"
	}
	return issuer
}
