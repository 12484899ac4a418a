package event

import (
	"slices"
	"testing"

	"github.com/rampart/rampart/internal/core"
)

// TestEveryTypeHasAClass: every registered event type says who causes
// it, so that no staff action is missing from the admin area's list
// (StaffTypes, read by identity.AdminEvents).
func TestEveryTypeHasAClass(t *testing.T) {
	for _, typ := range Types() {
		if c := ClassOf(typ); c != Staff && c != Users {
			t.Errorf("event type %s is registered without a class: add .by(Staff) to its register call if an administrator, a moderator or the console operator causes it (the admin area lists those), else .by(Users)", typ)
		}
	}
}

// TestStaffTypes: the staff's actions are listed, among them the
// moderators' decisions on proxied versions and the removal and
// restoring of a version; what users do on their own is not.
func TestStaffTypes(t *testing.T) {
	got := StaffTypes()
	if !slices.IsSorted(got) {
		t.Errorf("StaffTypes() = %q, not sorted", got)
	}
	for _, typ := range []string{
		core.EventAccountDisable, core.EventAccountEnable, core.EventAccountRecoveryStart, core.EventSiteRole,
		core.EventInviteCreate, core.EventNameRelease, core.EventCriticalChange, core.EventNameAllowed,
		core.EventAdvisoryImport, core.EventAdvisoryMalicious,
		core.EventQuarantine, core.EventQuarantineRelease, core.EventVersionRemove, core.EventVersionRestore,
		core.EventVersionConfirmMalicious, core.EventRescanStart,
		core.EventReportReplied, core.EventReportClosed, core.EventUpstreamDecide, core.EventSigningKeyRotate,
	} {
		if !slices.Contains(got, typ) {
			t.Errorf("StaffTypes() lacks %s", typ)
		}
	}
	for _, typ := range []string{core.EventPublish, core.EventOwnerAdd, core.EventTokenCreate, core.EventReportFiled, core.EventUpstreamPin} {
		if slices.Contains(got, typ) {
			t.Errorf("StaffTypes() holds %s, which users cause", typ)
		}
	}
	if ClassOf("no.such_type") == Staff {
		t.Error("an unknown type is classified Staff")
	}
}
