package eventcheck

import (
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// The methods Methods calls Security, each noted before it runs and
// recorded when it succeeds; and AppendEvent. Every other method of
// store.Tx goes to the wrapped transaction untouched.

func (c *checkedTx) AppendEvent(e *core.Event) error {
	err := c.Tx.AppendEvent(e)
	if err == nil {
		c.appended = true
	}
	return err
}

func (c *checkedTx) CreateUser(u *core.User) error {
	c.try("CreateUser")
	return c.did(c.Tx.CreateUser(u))
}

func (c *checkedTx) UpdateUser(u *core.User) error {
	c.try("UpdateUser")
	return c.did(c.Tx.UpdateUser(u))
}

func (c *checkedTx) CreateToken(t *core.Token) error {
	c.try("CreateToken")
	return c.did(c.Tx.CreateToken(t))
}

func (c *checkedTx) RevokeToken(userID int64, key string, at time.Time) error {
	c.try("RevokeToken")
	return c.did(c.Tx.RevokeToken(userID, key, at))
}

func (c *checkedTx) CreatePackage(p *core.Package) error {
	c.try("CreatePackage")
	return c.did(c.Tx.CreatePackage(p))
}

// UpdatePackage and UpdatePackageAt are security-relevant when they change
// who may read the package or whether its name is held; the revision,
// modification time and search text follow the versions, whose own
// writes carry the event.
func (c *checkedTx) UpdatePackage(p *core.Package) error {
	c.try("UpdatePackage")
	before, _ := c.Tx.PackageByRef(p.PackageRef)
	return c.didIf(packageChanged(before, p), c.Tx.UpdatePackage(p))
}

func (c *checkedTx) UpdatePackageAt(p *core.Package, prevRev int64) error {
	c.try("UpdatePackageAt")
	before, _ := c.Tx.PackageByRef(p.PackageRef)
	return c.didIf(packageChanged(before, p), c.Tx.UpdatePackageAt(p, prevRev))
}

func packageChanged(before, after *core.Package) bool {
	return before == nil || before.Access != after.Access ||
		!before.UnpublishedAt.Equal(after.UnpublishedAt) || !before.NameReleasedAt.Equal(after.NameReleasedAt)
}

func (c *checkedTx) InsertVersion(v *core.Version) error {
	c.try("InsertVersion")
	return c.did(c.Tx.InsertVersion(v))
}

func (c *checkedTx) UpdateVersion(v *core.Version) error {
	c.try("UpdateVersion")
	return c.did(c.Tx.UpdateVersion(v))
}

func (c *checkedTx) SetDistTag(packageID int64, tag, version string) error {
	c.try("SetDistTag")
	return c.did(c.Tx.SetDistTag(packageID, tag, version))
}

func (c *checkedTx) DeleteDistTag(packageID int64, tag string) error {
	c.try("DeleteDistTag")
	return c.did(c.Tx.DeleteDistTag(packageID, tag))
}

func (c *checkedTx) AddMaintainer(packageID, userID int64, at time.Time) error {
	c.try("AddMaintainer")
	return c.did(c.Tx.AddMaintainer(packageID, userID, at))
}

func (c *checkedTx) RemoveMaintainer(packageID, userID int64) error {
	c.try("RemoveMaintainer")
	return c.did(c.Tx.RemoveMaintainer(packageID, userID))
}

func (c *checkedTx) SetCriticalDesignated(packageID int64, on bool) error {
	c.try("SetCriticalDesignated")
	return c.did(c.Tx.SetCriticalDesignated(packageID, on))
}

func (c *checkedTx) DeleteWebSessionsByUser(userID int64) error {
	c.try("DeleteWebSessionsByUser")
	return c.did(c.Tx.DeleteWebSessionsByUser(userID))
}

func (c *checkedTx) DeleteTOTP(userID int64) error {
	c.try("DeleteTOTP")
	return c.did(c.Tx.DeleteTOTP(userID))
}

func (c *checkedTx) SetRecoveryCodes(userID int64, hashes []string, at time.Time) error {
	c.try("SetRecoveryCodes")
	return c.did(c.Tx.SetRecoveryCodes(userID, hashes, at))
}

func (c *checkedTx) UseRecoveryCode(userID int64, hash string) error {
	c.try("UseRecoveryCode")
	return c.did(c.Tx.UseRecoveryCode(userID, hash))
}

func (c *checkedTx) CreateWebAuthnCredential(cr *core.WebAuthnCredential) error {
	c.try("CreateWebAuthnCredential")
	return c.did(c.Tx.CreateWebAuthnCredential(cr))
}

func (c *checkedTx) DeleteWebAuthnCredential(userID, id int64) error {
	c.try("DeleteWebAuthnCredential")
	return c.did(c.Tx.DeleteWebAuthnCredential(userID, id))
}

func (c *checkedTx) CreateEmailToken(t *core.EmailToken) error {
	c.try("CreateEmailToken")
	return c.did(c.Tx.CreateEmailToken(t))
}

func (c *checkedTx) CreateRecovery(r *core.Recovery) error {
	c.try("CreateRecovery")
	return c.did(c.Tx.CreateRecovery(r))
}

func (c *checkedTx) EndRecovery(id int64, at time.Time, outcome string) error {
	c.try("EndRecovery")
	return c.did(c.Tx.EndRecovery(id, at, outcome))
}

func (c *checkedTx) PutVersionProvenance(packageID int64, version string, p *core.Provenance) error {
	c.try("PutVersionProvenance")
	return c.did(c.Tx.PutVersionProvenance(packageID, version, p))
}

func (c *checkedTx) SetProvenancePolicy(packageID int64, p core.ProvenancePolicy) error {
	c.try("SetProvenancePolicy")
	return c.did(c.Tx.SetProvenancePolicy(packageID, p))
}

func (c *checkedTx) AllowName(a core.NameAllowance) error {
	c.try("AllowName")
	return c.did(c.Tx.AllowName(a))
}

func (c *checkedTx) PutVersionHold(h core.VersionHold) error {
	c.try("PutVersionHold")
	return c.did(c.Tx.PutVersionHold(h))
}

func (c *checkedTx) NoteFalsePositive(n core.FalsePositive) error {
	c.try("NoteFalsePositive")
	return c.did(c.Tx.NoteFalsePositive(n))
}

func (c *checkedTx) BlockDigests(ds []core.BlockedDigest) error {
	c.try("BlockDigests")
	return c.did(c.Tx.BlockDigests(ds))
}

func (c *checkedTx) PinUpstream(p core.UpstreamPin) error {
	c.try("PinUpstream")
	return c.did(c.Tx.PinUpstream(p))
}

func (c *checkedTx) CreateInvite(i *core.Invite) error {
	c.try("CreateInvite")
	return c.did(c.Tx.CreateInvite(i))
}

func (c *checkedTx) UseInvite(id int64, user string, at time.Time) error {
	c.try("UseInvite")
	return c.did(c.Tx.UseInvite(id, user, at))
}

func (c *checkedTx) LinkSSOIdentity(i core.SSOIdentity) error {
	c.try("LinkSSOIdentity")
	return c.did(c.Tx.LinkSSOIdentity(i))
}

func (c *checkedTx) RecordPublishedBy(packageID int64, version string, pb store.PublishedBy) error {
	c.try("RecordPublishedBy")
	return c.did(c.Tx.RecordPublishedBy(packageID, version, pb))
}
