package models

// Role is a staff member's role in one organization.
type Role string

const (
	RoleOwner     Role = "owner"
	RoleEditor    Role = "editor"
	RoleModerator Role = "moderator"
	RoleViewer    Role = "viewer"
)

// AllRoles lists the roles from most to least powerful.
func AllRoles() []Role { return []Role{RoleOwner, RoleEditor, RoleModerator, RoleViewer} }

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleOwner, RoleEditor, RoleModerator, RoleViewer:
		return true
	}
	return false
}

// Permission names something a role may do inside its organization.
type Permission string

const (
	// PermView reads the organization's studio pages.
	PermView Permission = "view"
	// PermManageStaff invites, re-roles and removes staff.
	PermManageStaff Permission = "manage_staff"
	// PermManageSettings edits the organization's settings.
	PermManageSettings Permission = "manage_settings"
	// PermWrite creates and edits accounts, notices and projects.
	PermWrite Permission = "write"
	// PermPublish publishes notices.
	PermPublish Permission = "publish"
	// PermModerate handles feedback and the inbox.
	PermModerate Permission = "moderate"
	// PermManageFollowers tags, blocks and unblocks an account's followers.
	PermManageFollowers Permission = "manage_followers"
	// PermPrivacy answers a follower's data request: export all their data
	// or erase them.
	PermPrivacy Permission = "privacy"
	// PermContacts sees and exports people's contact details: followers'
	// channel addresses and the contacts citizens leave with their
	// answers. Every page, search and export that shows them asks for
	// this one permission, so README's table and the code cannot drift.
	PermContacts Permission = "contacts"
	// PermSecrets reads the signing secrets a channel shares with its
	// platform (the webhook signing secret, WeChat's Token and
	// EncodingAESKey, Telegram's secret token): whoever holds one can
	// forge messages in the account's name.
	PermSecrets Permission = "secrets"
)

// AllPermissions lists every permission, in the order they are declared
// above; the role table's tests iterate it, and a test fails when a new
// constant is not added here.
func AllPermissions() []Permission {
	return []Permission{
		PermView, PermManageStaff, PermManageSettings, PermWrite, PermPublish,
		PermModerate, PermManageFollowers, PermPrivacy, PermContacts, PermSecrets,
	}
}

// Can reports whether the role grants p. Owners can do everything, and
// only they answer followers' privacy requests (export, erase) and read
// signing secrets; editors write and publish; moderators handle feedback
// and the inbox, and with owners they alone see and export contact
// details; editors and moderators both tag and block followers; viewers
// only read.
func (r Role) Can(p Permission) bool {
	switch r {
	case RoleOwner:
		return true
	case RoleEditor:
		return p == PermView || p == PermWrite || p == PermPublish || p == PermManageFollowers
	case RoleModerator:
		return p == PermView || p == PermModerate || p == PermManageFollowers || p == PermContacts
	case RoleViewer:
		return p == PermView
	}
	return false
}

// Can reports whether the member's role grants p. A service refuses an
// action through Require only; Can is for deciding what to show (the
// route guards and templates, and the services that mask contacts or
// withhold secrets, listed in role_test.go).
func (m *Member) Can(p Permission) bool { return m != nil && m.Role.Can(p) }

// Require is the one authorization gate: every domain call that acts for
// a member asks it before anything else, with one rule for what the
// answer reveals:
//
//   - no member, or a member of another organization than orgID (the
//     organization that owns what is acted on; 0 when there is nothing):
//     ErrNotFound, the answer for a row that does not exist, so another
//     organization's data is not revealed, not even by a 403;
//   - a member of organization orgID whose role lacks p: ErrForbidden;
//   - otherwise nil.
//
// Organization-wide actions pass the member's own organization
// (m.OrgID()); a call that only needs the organization check asks for
// PermView, which every role has. The errors are not wrapped: handlers
// map them with errors.Is.
func Require(m *Member, p Permission, orgID int64) error {
	if m == nil || m.Org == nil || orgID == 0 || m.Org.ID != orgID {
		return ErrNotFound
	}
	if !m.Role.Can(p) {
		return ErrForbidden
	}
	return nil
}
