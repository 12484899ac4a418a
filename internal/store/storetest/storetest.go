// Package storetest is the conformance suite for metadata stores. Every
// backend of store.Store runs all of it in one line:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openFresh(t) })
//	}
//
// The suite is split by role, one file per role interface of store.Tx,
// each with its own RunX, and the files by area into packages:
// storetest/accounts (users.go for store.Users, tokens.go, sessions,
// second factors, ...), storetest/packages (packages.go for
// store.Packages, documents, downloads, critical, files) and this package
// (events, the sweeper, meta, and transactions.go, the contract of Update
// and View itself). What their cases share (fixtures, transaction helpers,
// comparisons) is storetest/suite. A backend written role by role runs
// one role at a time the same way, with accounts.RunUsers(t, open) and so
// on, or selects roles of the whole suite by name: go test -run
// 'TestConformance/(Users|Tokens)/'. Cases make their fixtures through
// Users and Packages, so those two come first; Run runs the roles in the
// order of store.Tx. A new role's cases go in the package of its area,
// and its RunX in roles below.
//
// The suite tests the contracts written in package store and nothing more.
// Each subtest opens its own empty store, so open must return a store with
// no data in it, and must arrange for it to be closed (t.Cleanup).
//
// The closures given to Update and View follow the store contract: they
// may run more than once, so they only assign to variables that the test
// reads after Update or View has returned nil, and they never call t.Fatal.
package storetest

import (
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/access"
	"github.com/rampart/rampart/internal/store/storetest/accounts"
	"github.com/rampart/rampart/internal/store/storetest/advisories"
	"github.com/rampart/rampart/internal/store/storetest/logseals"
	"github.com/rampart/rampart/internal/store/storetest/malware"
	"github.com/rampart/rampart/internal/store/storetest/names"
	"github.com/rampart/rampart/internal/store/storetest/orgs"
	"github.com/rampart/rampart/internal/store/storetest/packages"
	"github.com/rampart/rampart/internal/store/storetest/provenance"
	"github.com/rampart/rampart/internal/store/storetest/reports"
	"github.com/rampart/rampart/internal/store/storetest/scanning"
	"github.com/rampart/rampart/internal/store/storetest/signatures"
	"github.com/rampart/rampart/internal/store/storetest/signing"
	"github.com/rampart/rampart/internal/store/storetest/staffevents"
	"github.com/rampart/rampart/internal/store/storetest/stages"
	"github.com/rampart/rampart/internal/store/storetest/suite"
	"github.com/rampart/rampart/internal/store/storetest/trust"
	"github.com/rampart/rampart/internal/store/storetest/upstream"
	"github.com/rampart/rampart/internal/store/storetest/upstreamusage"
	"github.com/rampart/rampart/internal/store/storetest/versionpages"
	"github.com/rampart/rampart/internal/store/storetest/versionreaders"
)

// Run runs the whole conformance suite, role by role. open is called once
// per case and must return a new, empty store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	for _, r := range roles {
		t.Run(r.name, func(t *testing.T) { r.run(t, open) })
	}
}

// roles lists every role's cases in the order of store.Tx, so that a
// failure names the role, and a backend written role by role sees which
// file to read next. Transactions last: they need every role's writes.
var roles = []struct {
	name string
	run  func(t *testing.T, open func(t *testing.T) store.Store)
}{
	{"Empty", runEmpty},
	{"Users", accounts.RunUsers},
	{"Tokens", accounts.RunTokens},
	{"Packages", packages.RunPackages},
	{"Documents", packages.RunDocuments},
	{"DocumentState", packages.RunDocumentState},
	{"Events", RunEvents},
	{"Downloads", packages.RunDownloads},
	{"Critical", packages.RunCritical},
	{"Throttles", accounts.RunThrottles},
	{"WebSessions", accounts.RunWebSessions},
	{"EmailTokens", accounts.RunEmailTokens},
	{"SecondFactors", accounts.RunSecondFactors},
	{"EmailDomains", accounts.RunEmailDomains},
	{"WebAuthn", accounts.RunWebAuthn},
	{"CLILogins", accounts.RunCLILogins},
	{"Devices", accounts.RunDevices},
	{"Recoveries", accounts.RunRecoveries},
	{"EmailHistory", accounts.RunEmailHistory},
	{"Sweeper", RunSweeper},
	{"Meta", RunMeta},
	{"Files", packages.RunFiles},
	{"Signing", signing.RunSigning},
	{"Signatures", signatures.RunSignatures},
	{"TrustedPublishers", trust.RunTrustedPublishers},
	{"ScanReports", scanning.RunScanReports},
	{"Stages", stages.RunStages},
	{"Orgs", orgs.RunOrgs},
	{"Provenance", provenance.RunProvenance},
	{"NameAllowances", names.RunNameAllowances},
	{"Malware", malware.RunMalware},
	{"Reports", reports.RunReports},
	{"Advisories", advisories.RunAdvisories},
	{"UpstreamPins", upstream.RunUpstreamPins},
	{"LogSeals", logseals.RunLogSeals},
	{"UpstreamHolds", upstream.RunUpstreamHolds},
	{"UpstreamUsage", upstreamusage.RunUpstreamUsage},
	{"Invites", access.RunInvites},
	{"SSOIdentities", access.RunSSOIdentities},
	{"VersionPages", versionpages.RunVersionPages},
	{"VersionReaders", versionreaders.RunVersionReaders},
	{"StaffEvents", staffevents.RunStaffEvents},
	{"UpstreamProvenance", upstream.RunUpstreamProvenance},
	{"Transactions", RunTransactions},
}

// test is one case: a function given a fresh store.
type test struct {
	name string
	f    func(t *testing.T, s store.Store)
}

// run runs each case as a subtest on a store of its own (suite.Cases).
func run(t *testing.T, open func(t *testing.T) store.Store, tests []test) {
	cases := make([]suite.Test, len(tests))
	for i, tc := range tests {
		cases[i] = suite.Test{Name: tc.name, F: tc.f}
	}
	suite.Cases(t, open, cases)
}

// runEmpty checks that open returns a store with nothing in it, which
// every other case relies on.
func runEmpty(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{{"Fresh", testEmpty}})
}

func testEmpty(t *testing.T, s store.Store) {
	suite.CheckEmpty(t, s)
	suite.WantNotFound(t, s, "UserByID", func(tx store.Tx) (*core.User, error) { return tx.UserByID(1) })
	suite.WantNotFound(t, s, "UserByEmail", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail("alice@example.com") })
}
