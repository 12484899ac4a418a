package eventcheck

// Class says what a store.Tx method does, for the check.
type Class int

const (
	// Read changes nothing.
	Read Class = iota
	// Bookkeeping writes rows that carry no security decision of their
	// own: counters, caches, expiring ceremonies, the last-seen times of
	// sign-ins, and rows derived from others that carry the event.
	Bookkeeping
	// Security writes change who may do what, what is served, or the
	// account's means of proof: the transaction must append an event.
	Security
)

func (c Class) String() string {
	return [...]string{"read", "bookkeeping write", "security-relevant write"}[c]
}

// Rule is the class of one method and why.
type Rule struct {
	Class Class
	Why   string
}

// Methods classifies every method of store.Tx; the package's tests fail
// when store.Tx gains a method that is not here. A Security method must
// also be wrapped in checkedTx (tx.go), which the tests check too.
var Methods = map[string]Rule{
	// Users
	"CreateUser":  {Security, "a new account"},
	"UpdateUser":  {Security, "password, address, verification, admin, disabled: who the account is and how it proves it"},
	"UserByID":    {Read, ""},
	"UserByName":  {Read, ""},
	"UserByEmail": {Read, ""},
	"CountUsers":  {Read, ""},
	"SiteStaff":   {Read, ""},
	"SearchUsers": {Read, ""},
	// Tokens
	"CreateToken":  {Security, "a new credential"},
	"RevokeToken":  {Security, "a credential ends"},
	"TokenByHash":  {Read, ""},
	"TokensByUser": {Read, ""},
	// Packages
	"CreatePackage":        {Security, "a name is taken"},
	"UpdatePackage":        {Security, "when it changes access, the tombstone or the name's release: what is served and to whom (rev and search text alone are bookkeeping)"},
	"UpdatePackageAt":      {Security, "as UpdatePackage, as a compare-and-swap"},
	"InsertVersion":        {Security, "new bytes are served under a name@version"},
	"UpdateVersion":        {Security, "deprecation, unpublish of a version"},
	"SetDistTag":           {Security, "what `npm install name@tag` installs"},
	"DeleteDistTag":        {Security, "as SetDistTag"},
	"AddMaintainer":        {Security, "who may publish"},
	"RemoveMaintainer":     {Security, "who may publish"},
	"PackageByRef":         {Read, ""},
	"Versions":             {Read, ""},
	"Version":              {Read, ""},
	"VersionFile":          {Read, ""},
	"DistTags":             {Read, ""},
	"Maintainers":          {Read, ""},
	"PackagesByMaintainer": {Read, ""},
	"Dependents":           {Read, ""},
	"Search":               {Read, ""},
	"AllPackageNames":      {Read, ""},
	// Documents
	"PutDocument":    {Bookkeeping, "a cache derived from package rows, rebuilt by the same writes that carry the event"},
	"DeleteDocument": {Bookkeeping, "as PutDocument"},
	// A stale mark and the per-version fragments are the same derived
	// cache, written by the change that carries the event; a built
	// document is stored on the read path, after no change at all.
	"MarkDocumentStale": {Bookkeeping, "as PutDocument"},
	"PutBuiltDocument":  {Bookkeeping, "as PutDocument: a document built from rows already committed"},
	"PutVersionDoc":     {Bookkeeping, "as PutDocument"},
	"DocumentGen":       {Read, ""},
	"VersionDocs":       {Read, ""},
	// DocumentState
	"DocumentSize":       {Read, ""},
	"StoredFullDocument": {Read, ""},
	// Events
	"AppendEvent":   {Bookkeeping, "the event itself"},
	"EventsAfter":   {Read, ""},
	"EventsFor":     {Read, ""},
	"EventsByActor": {Read, ""},
	"EventsOfKinds": {Read, ""},
	// Downloads
	"AddDownloads":         {Bookkeeping, "a counter"},
	"DownloadsSince":       {Read, ""},
	"DailyDownloads":       {Read, ""},
	"CountDownload":        {Bookkeeping, "a counter, de-duplicated per source"},
	"SweepDownloadSources": {Bookkeeping, "forgets de-duplication keys that can no longer match"},
	// Critical
	"DownloadTotals":        {Read, ""},
	"CriticalPackages":      {Read, ""},
	"IsCritical":            {Read, ""},
	"CriticalState":         {Read, ""},
	"SetCriticalDesignated": {Security, "an admin's designation: keys become required"},
	"SetCriticalComputed": {Bookkeeping, "rewritten by the daily job with an unchanged set too (its time moves); " +
		"a change of the set appends EventCriticalChange, which registry's critical tests assert"},
	// Throttles
	"Throttle":       {Read, ""},
	"PutThrottle":    {Bookkeeping, "a failure counter"},
	"DeleteThrottle": {Bookkeeping, "a failure counter"},
	// WebSessions
	"CreateWebSession": {Bookkeeping, "a sign-in, which is no change to the account; a new device appends EventNewDevice " +
		"(TouchDevice), and the sessions ending with a change are ended by a Security write in the same transaction"},
	"WebSession":              {Read, ""},
	"DeleteWebSession":        {Bookkeeping, "a sign-out or an expired session; one ended by the user appends EventSessionRevoke"},
	"WebSessionsOf":           {Read, ""},
	"DeleteWebSessionsByUser": {Security, "every browser of the user is signed out"},
	"SetWebSessionMFA":        {Bookkeeping, "a session passed its second factor: a sign-in step, not an account change"},
	// SecondFactors
	"TOTP":             {Read, ""},
	"PutTOTP":          {Bookkeeping, "an enrolment waiting for its first code, which signs nothing in; confirming it writes recovery codes (Security) with EventMFAAdd"},
	"DeleteTOTP":       {Security, "a second factor is removed"},
	"AdvanceTOTPStep":  {Bookkeeping, "a code is spent: replay protection during a sign-in"},
	"RecoveryCodes":    {Read, ""},
	"SetRecoveryCodes": {Security, "new means of recovery"},
	"UseRecoveryCode":  {Security, "a recovery code stood in for the second factor"},
	// WebAuthn
	"CreateWebAuthnCredential": {Security, "a new key or passkey"},
	"WebAuthnCredentials":      {Read, ""},
	"HasWebAuthnCredentials":   {Read, ""},
	"WebAuthnCredentialByID":   {Read, ""},
	"UseWebAuthnCredential":    {Bookkeeping, "a key signed in: its counter and last use"},
	"DeleteWebAuthnCredential": {Security, "a key or passkey is removed"},
	"PutWebAuthnCeremony":      {Bookkeeping, "a challenge that expires within minutes"},
	"TakeWebAuthnCeremony":     {Bookkeeping, "a challenge is answered"},
	// CLILogins
	"CreateCLILogin":        {Bookkeeping, "an `npm login` waiting for a browser, which grants nothing yet"},
	"CLILoginByDone":        {Read, ""},
	"CLILoginByLogin":       {Read, ""},
	"ApproveCLILogin":       {Bookkeeping, "a signed-in browser's approval; the token it yields is a CreateToken"},
	"CollectCLILogin":       {Bookkeeping, "the CLI took its token"},
	"CreateWebOTP":          {Bookkeeping, "a one-time approval for one npm command, expiring within minutes"},
	"SpendWebOTP":           {Bookkeeping, "it is spent"},
	"DeleteCLILoginsByUser": {Bookkeeping, "pending logins end together with the sessions, by a Security write in the same transaction"},
	// EmailTokens
	"CreateEmailToken":  {Security, "a mailed link that can verify an address or set a password"},
	"EmailToken":        {Read, ""},
	"UseEmailToken":     {Bookkeeping, "a link is spent; what it does (UpdateUser) is the Security write"},
	"ExpireEmailTokens": {Bookkeeping, "older links stop working: it only takes power away, beside the write that replaces them"},
	"LiveEmailToken":    {Read, ""},
	// EmailDomains
	"PutEmailDomainStatus":   {Bookkeeping, "a check's result; un-verifying the address is an UpdateUser with EventEmailDomainAbandoned"},
	"EmailDomainStatus":      {Read, ""},
	"UsersDueForDomainCheck": {Read, ""},
	// Devices
	"TouchDevice": {Bookkeeping, "the last-seen time of a device or of a network (login throttling keeps its known networks in the same rows), " +
		"so a new key is not always a new device; a new device's EventNewDevice is asserted by account's device tests"},
	"DeviceLastSeen": {Read, ""},
	// Recoveries
	"CreateRecovery":   {Security, "an admin-assisted recovery starts"},
	"OpenRecovery":     {Read, ""},
	"RecoveryByCancel": {Read, ""},
	"EndRecovery":      {Security, "a recovery is cancelled or completed"},
	// EmailHistory
	"StartEmailPeriod":  {Bookkeeping, "the address history, written beside the UpdateUser that changes the address"},
	"EndEmailPeriod":    {Bookkeeping, "as StartEmailPeriod"},
	"EmailPeriodsSince": {Read, ""},
	// Sweeper, Meta, Files
	"Sweep":    {Bookkeeping, "removes what expired and leaves no trace a user could notice"},
	"GetMeta":  {Read, ""},
	"SetMeta":  {Bookkeeping, "the store's own bookkeeping"},
	"FileRefs": {Read, ""},
	// Signing
	"SigningKeys":         {Read, ""},
	"InsertSigningKey":    {Security, "a new key signs what clients install: a rotation"},
	"RetireSigningKey":    {Security, "as InsertSigningKey"},
	"LastSignedWith":      {Read, ""},
	"PutVersionSignature": {Security, "what clients check a version against: a publish, or the backfill"},
	"VersionSignature":    {Read, ""},
	"VersionSignatures":   {Read, ""},
	"ShownSignature":      {Read, ""},
	"UnsignedVersions":    {Read, ""},
	// TrustedPublishers
	"CreateTrustedPublisher": {Security, "a CI workflow may publish the package, or a name is reserved"},
	"TrustedPublisherByID":   {Read, ""},
	"TrustedPublishersFor":   {Read, ""},
	"PendingPublishersBy":    {Read, ""},
	"UpdateTrustedPublisher": {Security, "a pending publisher is attached to its new package, or its stable ids are recorded"},
	"DeleteTrustedPublisher": {Security, "a CI workflow may no longer publish"},
	"UseIDToken":             {Bookkeeping, "replay protection; the exchange it guards writes a token (Security) with EventTrustExchange"},
	"RecordTrustedToken":     {Bookkeeping, "links a token to its configuration, beside the CreateToken that carries the event"},
	"TrustedTokenByID":       {Read, ""},
	"TrustedOnly":            {Read, ""},
	"SetTrustedOnly":         {Security, "long-lived tokens may or may not publish the package"},
	// ScanReports
	"RememberScanReport": {Bookkeeping, "the replay memory of secret-scanning reports; the revocations a report makes record their own events"},
	// Stages
	"CreateStage":    {Security, "a version waits for approval; its tag moves when it is approved"},
	"DecideStage":    {Security, "a staged version is released or discarded"},
	"SetStagePolicy": {Security, "which publishes need a maintainer's approval"},
	"Stage":          {Read, ""},
	"OpenStages":     {Read, ""},
	"ExpiredStages":  {Read, ""},
	"StagePolicy":    {Read, ""},
	// Provenance
	"PutVersionProvenance": {Security, "what a version's provenance proved is served and decides continuity; written in the publish's transaction with its EventPublish"},
	"VersionProvenance":    {Read, ""},
	"PackageProvenance":    {Read, ""},
	"LastProvenance":       {Read, ""},
	"ProvenancePolicy":     {Read, ""},
	"SetProvenancePolicy":  {Security, "an owner changes what a publish must bring; EventProvenancePolicy"},
	// NameAllowances
	"AllowName":      {Security, "a name the typosquatting check refuses may be created; EventNameAllowed"},
	"NameAllowance":  {Read, ""},
	"NameAllowances": {Read, ""},
	// Malware
	"AddScanFindings":   {Bookkeeping, "evidence of a scan; the hold it causes is the version's state (UpdateVersion, InsertVersion) with EventQuarantine"},
	"ScanFindings":      {Read, ""},
	"PutVersionHold":    {Security, "why a version is held and who may lift it; with EventQuarantine, EventVersionRemove and the others"},
	"VersionHold":       {Read, ""},
	"HeldVersions":      {Read, ""},
	"NoteFalsePositive": {Security, "a rule no longer holds a version; with EventQuarantineRelease"},
	"FalsePositives":    {Read, ""},
	"BlockDigests":      {Security, "bytes never served again; with EventVersionConfirmMalicious"},
	"BlockedDigests":    {Read, ""},
	"CreateRescan":      {Bookkeeping, "progress of a rescan; its start is EventRescanStart, its holds EventQuarantine"},
	"UpdateRescan":      {Bookkeeping, "progress of a rescan"},
	"LatestRescan":      {Read, ""},
	"RescanItems":       {Read, ""},
	"CountRescanItems":  {Read, ""},
	// Advisories
	"PutAdvisory":         {Security, "what tools and npm audit are told is vulnerable or malicious; EventAdvisoryImport or EventAdvisoryMalicious"},
	"Advisory":            {Read, ""},
	"AdvisoriesFor":       {Read, ""},
	"ListAdvisories":      {Read, ""},
	"AdvisoryModified":    {Read, ""},
	"NextMaliciousNumber": {Security, "allocates a MAL- id, only with the advisory it names; EventAdvisoryMalicious"},
	// UpstreamPins
	"PinUpstream":  {Security, "a pin decides which bytes a proxied version accepts; EventUpstreamPin"},
	"UpstreamPins": {Read, ""},
	// LogSeals
	"PutLogSeal":    {Bookkeeping, "derived from the package's access, whose changes carry their events; it only says how the log shows an event"},
	"LogSeals":      {Read, ""},
	"LatestLogSeal": {Read, ""},
	// UpstreamHolds
	"PutUpstreamHold":    {Security, "a proxied version held as possibly malicious is served to no one; EventUpstreamQuarantine"},
	"UpstreamHolds":      {Read, ""},
	"ListUpstreamHolds":  {Read, ""},
	"DecideUpstreamHold": {Security, "a moderator's release serves a held proxied version, a confirmation blocks it for good; EventUpstreamDecide"},

	// UpstreamProvenance
	"PutUpstreamProvenance": {Security, "decides for good whether a proxied version's build provenance lets it be served; EventUpstreamProvenance"},
	"UpstreamProvenanceOf":  {Read, ""},
	"UpstreamProvenances":   {Read, ""},
	// UpstreamUsage
	"CountUpstreamDownload":        {Bookkeeping, "a statistic of proxied downloads for the operator; decides nothing about what is served"},
	"SweepUpstreamDownloadSources": {Bookkeeping, "forgets de-duplication rows of past days"},
	"ProxiedPackages":              {Read, ""},
	"ProxiedVersions":              {Read, ""},
	"DecidedUpstreamHolds":         {Read, ""},
	"UpstreamHoldDigests":          {Read, ""},
	// Invites, SSOIdentities
	"CreateInvite":    {Security, "an address may sign up on an invite-only registry; EventInviteCreate"},
	"UseInvite":       {Security, "an invitation became an account; EventInviteUse"},
	"InviteByHash":    {Read, ""},
	"Invites":         {Read, ""},
	"LinkSSOIdentity": {Security, "an identity provider's subject signs in as the account; EventSSOLink"},
	"SSOIdentity":     {Read, ""},
	// VersionPages
	"DependentsOf":    {Read, ""},
	"TarballFiles":    {Read, ""},
	"PutTarballFiles": {Bookkeeping, "a cache derived from a tarball's immutable bytes, kept under their digest"},
	// VersionReaders
	"RecordPublishedBy":   {Security, "how a version was published, shown on its page; written in the publish commit beside EventPublish (or the stage's or hold's event)"},
	"PublishedByOf":       {Read, ""},
	"TrustedPublishes":    {Read, ""},
	"OpenDependents":      {Read, ""},
	"CountOpenDependents": {Read, ""},
	"GuardedDependents":   {Read, ""},
}
