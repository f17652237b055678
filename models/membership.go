package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

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

// MemberOf loads the user's membership of an organization. A user who is
// not a member gets ErrNotFound, exactly as for an organization that does
// not exist.
func (s *Store) MemberOf(ctx context.Context, u *User, orgID int64) (*Member, error) {
	var ms Membership
	err := s.conn(ctx).Where("organization_id = ? AND user_id = ?", orgID, u.ID).First(&ms).Error
	if err != nil {
		return nil, notFound(err, "membership")
	}
	org, err := s.OrganizationByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return &Member{User: u, Org: org, Role: ms.Role}, nil
}

// UserOrg is one organization of a user, for the studio's home page.
type UserOrg struct {
	Organization
	Role Role
}

// OrganizationsOf lists the organizations a user belongs to.
func (s *Store) OrganizationsOf(ctx context.Context, userID int64) ([]UserOrg, error) {
	var out []UserOrg
	err := s.conn(ctx).Table("organizations").
		Select("organizations.*, memberships.role").
		Joins("JOIN memberships ON memberships.organization_id = organizations.id").
		Where("memberships.user_id = ?", userID).
		Order("organizations.name").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("organizations of user %d: %w", userID, err)
	}
	return out, nil
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

// Staff lists the organization's members.
func (s *Store) Staff(ctx context.Context, m *Member) ([]StaffMember, error) {
	if err := Require(m, PermView, m.OrgID()); err != nil {
		return nil, err
	}
	var out []StaffMember
	err := s.conn(ctx).Table("memberships").
		Select("users.id AS user_id, users.email, users.name, memberships.role, memberships.created_at, users.last_login_at").
		Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.organization_id = ?", m.Org.ID).
		Order("users.email").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("staff of organization %d: %w", m.Org.ID, err)
	}
	return out, nil
}

// ownerCount counts owners so the last one can be neither demoted nor
// removed: an organization without an owner could never be managed again.
// It locks the owners' rows until the transaction ends (on PostgreSQL;
// SQLite transactions already run one at a time), so two owners stepping
// down at the same moment cannot both see the other and leave none. Call
// it before reading the membership to change, so that read sees what a
// transaction that held the lock committed.
func (s *Store) ownerCount(ctx context.Context, orgID int64) (int64, error) {
	var ids []int64
	err := s.conn(ctx).Model(&Membership{}).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("organization_id = ? AND role = ?", orgID, RoleOwner).Order("id").Pluck("id", &ids).Error
	if err != nil {
		return 0, fmt.Errorf("count owners: %w", err)
	}
	return int64(len(ids)), nil
}

// changeMembership runs change on userID's membership of m's organization,
// under the owners' lock, and refuses a change that would leave the
// organization without an owner. stillOwner says whether the member is an
// owner after the change.
func (s *Store) changeMembership(ctx context.Context, m *Member, userID int64, stillOwner bool, change func(tx *Store, target *Membership) error) error {
	if err := Require(m, PermManageStaff, m.OrgID()); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		n, err := tx.ownerCount(ctx, m.Org.ID)
		if err != nil {
			return err
		}
		var target Membership
		if err := tx.conn(ctx).Where("organization_id = ? AND user_id = ?", m.Org.ID, userID).
			First(&target).Error; err != nil {
			return notFound(err, "membership")
		}
		if target.Role == RoleOwner && !stillOwner && n <= 1 {
			return FieldError("role", "err.last_owner")
		}
		return change(tx, &target)
	})
}

// SetRole changes a staff member's role; owners only.
func (s *Store) SetRole(ctx context.Context, m *Member, userID int64, role Role) error {
	if err := Require(m, PermManageStaff, m.OrgID()); err != nil {
		return err
	}
	if !role.Valid() {
		return FieldError("role", "err.choose_one")
	}
	return s.changeMembership(ctx, m, userID, role == RoleOwner, func(tx *Store, target *Membership) error {
		if err := tx.conn(ctx).Model(target).Update("role", role).Error; err != nil {
			return fmt.Errorf("set role: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "staff.role", tx.emailOf(ctx, userID), string(role))
	})
}

// RemoveMember takes a user out of the organization; owners only.
// Membership is checked on every request, so the removed member loses
// access at once while staying signed in for their other organizations.
func (s *Store) RemoveMember(ctx context.Context, m *Member, userID int64) error {
	return s.changeMembership(ctx, m, userID, false, func(tx *Store, target *Membership) error {
		if err := tx.conn(ctx).Delete(target).Error; err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "staff.remove", tx.emailOf(ctx, userID), "")
	})
}

// addMember is used when an invite is accepted.
func (s *Store) addMember(ctx context.Context, orgID, userID int64, role Role) error {
	var existing Membership
	err := s.conn(ctx).Where("organization_id = ? AND user_id = ?", orgID, userID).Limit(1).Find(&existing).Error
	if err != nil {
		return fmt.Errorf("find membership: %w", err)
	}
	if existing.ID != 0 {
		// Accepting an invite never lowers a role someone already has.
		if rank(role) < rank(existing.Role) {
			return s.conn(ctx).Model(&existing).Update("role", role).Error
		}
		return nil
	}
	if err := s.conn(ctx).Create(&Membership{OrganizationID: orgID, UserID: userID, Role: role}).Error; err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	return nil
}

func rank(r Role) int {
	for i, x := range AllRoles() {
		if x == r {
			return i
		}
	}
	return len(AllRoles())
}

// emailOf names a user in the audit log by address, which people read more
// easily than an id; the id stands in if the user cannot be read.
func (s *Store) emailOf(ctx context.Context, userID int64) string {
	var email string
	if err := s.conn(ctx).Model(&User{}).Where("id = ?", userID).Pluck("email", &email).Error; err != nil || email == "" {
		return fmt.Sprint(userID)
	}
	return email
}
