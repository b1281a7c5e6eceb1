package kakehashi

import "slices"

// This file holds the access rules. They live in the domain so that every
// reader of listings — the API, the web pages, the search index — applies the
// same rules and none can forget one.

// CanSeeListing reports whether viewer (nil for anonymous) may know that l
// exists. It does not say how much of it they may see; see Redact.
func CanSeeListing(viewer *User, l *Listing) bool {
	if viewer.IsStaff() || viewer.InOrg(l.OrgID) {
		return true
	}
	if l.Status == StatusDraft {
		return false
	}
	switch l.Visibility {
	case VisibilityPublic:
		return true
	case VisibilityMembers, VisibilityConfidential:
		return viewer != nil
	}
	return false
}

// SeesFullListing reports whether viewer may see the owner and body of l:
// for a confidential listing, its organization, platform staff, and those
// whose introduction the owner accepted.
func SeesFullListing(viewer *User, l *Listing) bool {
	if l.Visibility != VisibilityConfidential {
		return CanSeeListing(viewer, l)
	}
	return viewer.IsStaff() || viewer.InOrg(l.OrgID) || viewer != nil && l.ID != 0 && slices.Contains(viewer.Revealed, l.ID)
}

// Redact returns l as viewer may see it: l itself when viewer sees it in
// full, a copy without owner and body for a confidential listing, and nil
// when viewer may not see it at all.
func Redact(viewer *User, l *Listing) *Listing {
	if !CanSeeListing(viewer, l) {
		return nil
	}
	if SeesFullListing(viewer, l) {
		return l
	}
	c := *l
	c.OrgID, c.OrgHidden = 0, true
	c.Body, c.BodyHidden = "", true
	c.CreatedBy = 0
	c.ExternalID = ""
	return &c
}

// CanEditListing reports whether actor may change l: members of the owning
// organization and platform staff.
func CanEditListing(actor *User, l *Listing) bool {
	return actor.IsStaff() || actor.InOrg(l.OrgID)
}

// CanCreateListingFor reports whether actor may publish listings on behalf
// of organization orgID.
func CanCreateListingFor(actor *User, orgID int64) bool {
	return actor.IsStaff() || actor.InOrg(orgID)
}

// CanManageOrganization reports whether actor may edit organization orgID's
// profile: its org admins and platform staff.
func CanManageOrganization(actor *User, orgID int64) bool {
	return actor.IsStaff() || actor.IsOrgAdmin(orgID)
}

// CanCreateOrganization reports whether actor may register organizations.
func CanCreateOrganization(actor *User) bool { return actor.IsStaff() }

// CanSeeUser reports whether viewer may read u's account: the user
// themselves, admins of u's organization, and platform staff.
func CanSeeUser(viewer, u *User) bool {
	if viewer == nil {
		return false
	}
	return viewer.ID == u.ID || viewer.IsStaff() || viewer.IsOrgAdmin(u.OrgID)
}

// CanListUsers reports whether viewer may list the users of orgID (0 for
// every organization).
func CanListUsers(viewer *User, orgID int64) bool {
	if viewer.IsStaff() {
		return true
	}
	return orgID != 0 && viewer.IsOrgAdmin(orgID)
}

// CanWriteUser reports whether actor may create or change the account next,
// whose stored state (for an update) is prev (nil on create). Admins may do
// anything; org admins manage the accounts of their own organization but
// cannot grant platform roles or move people to other organizations; anyone
// may change their own name.
func CanWriteUser(actor, prev, next *User) bool {
	switch {
	case actor == nil:
		return false
	case actor.IsAdmin():
		return true
	case next.PlatformRole != PlatformNone && (prev == nil || prev.PlatformRole != next.PlatformRole):
		return false
	case prev != nil && prev.PlatformRole != PlatformNone && actor.ID != prev.ID:
		// Only admins manage platform staff, even staff inside an org.
		return false
	case actor.IsOrgAdmin(next.OrgID) && (prev == nil || prev.OrgID == next.OrgID):
		return true
	case prev != nil && actor.ID == prev.ID:
		// Self-service: name only.
		return prev.OrgID == next.OrgID && prev.OrgRole == next.OrgRole &&
			prev.PlatformRole == next.PlatformRole && prev.Disabled == next.Disabled && prev.Email == next.Email
	}
	return false
}

// CanReadAudit reports whether viewer may read the audit log.
func CanReadAudit(viewer *User) bool { return viewer.IsAdmin() }
