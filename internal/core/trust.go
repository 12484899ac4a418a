package core

import "time"

// TrustedPublisher is a trusted-publisher configuration (AUTHZ-3a): a CI
// workflow, named by the claims of its OIDC ID token, that may exchange
// that token for a short-lived publish token of one package. One that is
// pending (PendingUntil set) names a package that does not exist yet: the
// name is reserved to CreatedBy until then, and the first trusted publish
// creates the package owned by that user.
type TrustedPublisher struct {
	ID int64
	// Package is the package it publishes, by name: a pending one's
	// package does not exist yet.
	Package PackageRef
	// Issuer is the name of the issuer in the server's configuration
	// ("github", "gitlab", "circleci", or an operator's own).
	Issuer string
	// Claims are what the ID token must say, flattened: "repository",
	// "workflow_ref.file", "environment" (GitHub and generic issuers);
	// "project_path", "ci_config_ref_uri.file", "environment" (GitLab);
	// the "oidc.circleci.com/..." claims (CircleCI).
	Claims map[string]string
	// Stable are the issuer's stable identifiers (repository and owner
	// ids, project and namespace ids) recorded at the first exchange and
	// required to match ever after, so a repository deleted and
	// re-created under the same name by someone else does not match.
	Stable      map[string]string
	Permissions []string // "createPackage", "createStagedPackage"
	CreatedBy   int64    // the user who registered it
	CreatedAt   time.Time
	// PendingUntil is when a pending publisher's reservation ends; zero
	// for one attached to an existing package.
	PendingUntil time.Time
}

// Pending reports whether tp is a pending publisher.
func (tp *TrustedPublisher) Pending() bool { return !tp.PendingUntil.IsZero() }

// TrustedToken is what a short-lived token from a trusted-publisher
// exchange carries besides the token row: the configuration it came from
// and the workflow run that asked for it, for the principal and the
// publish event.
type TrustedToken struct {
	TokenID     int64
	PublisherID int64
	Package     PackageRef
	Issuer      string
	Subject     string // the ID token's sub claim, e.g. "repo:acme/widget:ref:refs/heads/main"
	Pending     bool   // the configuration was pending: the token may create the package
}

// TokenTrusted is a token from a trusted-publisher exchange: it lives
// minutes, publishes one package and nothing else.
const TokenTrusted TokenKind = "trusted"

// Trusted-publishing event types (internal/event/trust.go).
const (
	EventTrustAdd      = "package.trust_add"      // a trusted publisher was configured (pending or not)
	EventTrustRemove   = "package.trust_remove"   // one was removed
	EventTrustPolicy   = "package.trust_policy"   // "publish only through trusted publishing" changed
	EventTrustExchange = "package.trust_exchange" // an ID token was exchanged for a publish token
)
