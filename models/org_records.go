package models

import (
	"time"

	"github.com/plazahq/plaza/models/followerimport"
)

// The records of the organizations' domain. Its services (organizations,
// staff, invites, the users who sign in and their sessions) live in
// models/org; the records stay here because handlers, templates and the
// other domains share them, and Member is what every gate is asked about.

// OrgKind is what sort of body runs an organization.
type OrgKind string

const (
	KindAgency   OrgKind = "agency"
	KindNGO      OrgKind = "ngo"
	KindBusiness OrgKind = "business"
)

// OrgKinds lists the kinds in display order.
func OrgKinds() []OrgKind { return []OrgKind{KindAgency, KindNGO, KindBusiness} }

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool {
	return k == KindAgency || k == KindNGO || k == KindBusiness
}

// Organization is an agency, NGO or business that runs official accounts.
type Organization struct {
	ID         int64
	Name       string
	Kind       OrgKind
	VerifiedAt *time.Time
	// GeocodeName is the CAP <valueName> of its districts' codes (e.g.
	// "SAME" or a national scheme); empty: the feed names Plaza's own.
	GeocodeName string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Verified reports whether a platform admin has verified the organization.
func (o *Organization) Verified() bool { return o.VerifiedAt != nil }

// OrgSummary is an organization with counts for the admin list.
type OrgSummary struct {
	Organization
	Staff    int64
	Accounts int64
}

// UserOrg is one organization of a user, for the studio's home page.
type UserOrg struct {
	Organization
	Role Role
}

// Membership ties a user to an organization with a role.
type Membership struct {
	ID             int64
	OrganizationID int64
	UserID         int64
	Role           Role
	CreatedAt      time.Time
}

// Member is the signed-in user acting inside one organization: what every
// studio route checks before it does anything.
type Member struct {
	User *User
	Org  *Organization
	Role Role
}

// OrgID is the member's organization, 0 for no member, so that
// Require(m, p, m.OrgID()) answers ErrNotFound for a nil member instead of
// panicking.
func (m *Member) OrgID() int64 {
	if m == nil || m.Org == nil {
		return 0
	}
	return m.Org.ID
}

// StaffMember is one row of an organization's staff list.
type StaffMember struct {
	UserID      int64
	Email       string
	Name        string
	Role        Role
	CreatedAt   time.Time
	LastLoginAt *time.Time
}

// Invite is a one-time link that adds a person to an organization with a
// role. Only the hash of its token is stored.
type Invite struct {
	ID             int64
	OrganizationID int64
	Email          string
	Role           Role
	TokenHash      string `json:"-"`
	InvitedBy      *int64
	ExpiresAt      time.Time
	AcceptedAt     *time.Time
	AcceptedBy     *int64
	RevokedAt      *time.Time
	CreatedAt      time.Time
}

// User is a staff member (or a platform admin) who signs in to the studio.
type User struct {
	ID           int64
	Email        string
	Name         string
	PasswordHash string `json:"-"`
	IsAdmin      bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastLoginAt  *time.Time
}

// DisplayName is the name, or the e-mail address when no name is set.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// NormalizeEmail lower-cases and trims an address and checks its form.
// The rule is followerimport's, so that an imported address and a typed
// one are the same address.
func NormalizeEmail(s string) (string, bool) { return followerimport.NormalizeEmail(s) }
