package org

import (
	"context"
	"fmt"

	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/models"
)

// MemberOf loads the user's membership of an organization. A user who is
// not a member gets ErrNotFound, exactly as for an organization that does
// not exist.
func (s *Service) MemberOf(ctx context.Context, u *models.User, orgID int64) (*models.Member, error) {
	var ms models.Membership
	err := s.core.Conn(ctx).Where("organization_id = ? AND user_id = ?", orgID, u.ID).First(&ms).Error
	if err != nil {
		return nil, models.NotFound(err, "membership")
	}
	o, err := s.OrganizationByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return &models.Member{User: u, Org: o, Role: ms.Role}, nil
}

// OrganizationsOf lists the organizations a user belongs to.
func (s *Service) OrganizationsOf(ctx context.Context, userID int64) ([]models.UserOrg, error) {
	var out []models.UserOrg
	err := s.core.Conn(ctx).Table("organizations").
		Select("organizations.*, memberships.role").
		Joins("JOIN memberships ON memberships.organization_id = organizations.id").
		Where("memberships.user_id = ?", userID).
		Order("organizations.name").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("organizations of user %d: %w", userID, err)
	}
	return out, nil
}

// Staff lists the organization's members.
func (s *Service) Staff(ctx context.Context, m *models.Member) ([]models.StaffMember, error) {
	if err := models.Require(m, models.PermView, m.OrgID()); err != nil {
		return nil, err
	}
	var out []models.StaffMember
	err := s.core.Conn(ctx).Table("memberships").
		Select("users.id AS user_id, users.email, users.name, memberships.role, memberships.created_at, users.last_login_at").
		Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.organization_id = ?", m.Org.ID).
		Order("users.email").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("staff of organization %d: %w", m.Org.ID, err)
	}
	return out, nil
}

// IsMember reports whether a user belongs to an organization: the inbox
// assigns a conversation only to staff, and reads memberships through
// this domain rather than naming its table.
func (s *Service) IsMember(ctx context.Context, orgID, userID int64) (bool, error) {
	var n int64
	if err := s.core.Conn(ctx).Model(&models.Membership{}).Where("organization_id = ? AND user_id = ?", orgID, userID).
		Count(&n).Error; err != nil {
		return false, fmt.Errorf("membership of user %d: %w", userID, err)
	}
	return n > 0, nil
}

// ownerCount counts owners so the last one can be neither demoted nor
// removed: an organization without an owner could never be managed again.
// It locks the owners' rows until the transaction ends (on PostgreSQL;
// SQLite transactions already run one at a time), so two owners stepping
// down at the same moment cannot both see the other and leave none. Call
// it before reading the membership to change, so that read sees what a
// transaction that held the lock committed.
func (s *Service) ownerCount(ctx context.Context, orgID int64) (int64, error) {
	var ids []int64
	err := s.core.Conn(ctx).Model(&models.Membership{}).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("organization_id = ? AND role = ?", orgID, models.RoleOwner).Order("id").Pluck("id", &ids).Error
	if err != nil {
		return 0, fmt.Errorf("count owners: %w", err)
	}
	return int64(len(ids)), nil
}

// changeMembership runs change on userID's membership of m's organization,
// under the owners' lock, and refuses a change that would leave the
// organization without an owner. stillOwner says whether the member is an
// owner after the change.
func (s *Service) changeMembership(ctx context.Context, m *models.Member, userID int64, stillOwner bool, change func(tx *Service, target *models.Membership) error) error {
	if err := models.Require(m, models.PermManageStaff, m.OrgID()); err != nil {
		return err
	}
	return s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		n, err := tx.ownerCount(ctx, m.Org.ID)
		if err != nil {
			return err
		}
		var target models.Membership
		if err := c.Conn(ctx).Where("organization_id = ? AND user_id = ?", m.Org.ID, userID).
			First(&target).Error; err != nil {
			return models.NotFound(err, "membership")
		}
		if target.Role == models.RoleOwner && !stillOwner && n <= 1 {
			return models.FieldError("role", "err.last_owner")
		}
		return change(tx, &target)
	})
}

// SetRole changes a staff member's role; owners only.
func (s *Service) SetRole(ctx context.Context, m *models.Member, userID int64, role models.Role) error {
	if err := models.Require(m, models.PermManageStaff, m.OrgID()); err != nil {
		return err
	}
	if !role.Valid() {
		return models.FieldError("role", "err.choose_one")
	}
	return s.changeMembership(ctx, m, userID, role == models.RoleOwner, func(tx *Service, target *models.Membership) error {
		if err := tx.core.Conn(ctx).Model(target).Update("role", role).Error; err != nil {
			return fmt.Errorf("set role: %w", err)
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "staff.role", tx.emailOf(ctx, userID), string(role))
	})
}

// RemoveMember takes a user out of the organization; owners only.
// Membership is checked on every request, so the removed member loses
// access at once while staying signed in for their other organizations.
func (s *Service) RemoveMember(ctx context.Context, m *models.Member, userID int64) error {
	return s.changeMembership(ctx, m, userID, false, func(tx *Service, target *models.Membership) error {
		if err := tx.core.Conn(ctx).Delete(target).Error; err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "staff.remove", tx.emailOf(ctx, userID), "")
	})
}

// addMember is used when an invite is accepted.
func (s *Service) addMember(ctx context.Context, orgID, userID int64, role models.Role) error {
	var existing models.Membership
	err := s.core.Conn(ctx).Where("organization_id = ? AND user_id = ?", orgID, userID).Limit(1).Find(&existing).Error
	if err != nil {
		return fmt.Errorf("find membership: %w", err)
	}
	if existing.ID != 0 {
		// Accepting an invite never lowers a role someone already has.
		if rank(role) < rank(existing.Role) {
			return s.core.Conn(ctx).Model(&existing).Update("role", role).Error
		}
		return nil
	}
	if err := s.core.Conn(ctx).Create(&models.Membership{OrganizationID: orgID, UserID: userID, Role: role}).Error; err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	return nil
}

func rank(r models.Role) int {
	for i, x := range models.AllRoles() {
		if x == r {
			return i
		}
	}
	return len(models.AllRoles())
}

// emailOf names a user in the audit log by address, which people read more
// easily than an id; the id stands in if the user cannot be read.
func (s *Service) emailOf(ctx context.Context, userID int64) string {
	var email string
	if err := s.core.Conn(ctx).Model(&models.User{}).Where("id = ?", userID).Pluck("email", &email).Error; err != nil || email == "" {
		return fmt.Sprint(userID)
	}
	return email
}

// AuditLog pages through an organization's log, newest first. The log is
// written by every domain through models.Core.Audit; reading it names
// the acting staff by address, which is this domain's.
func (s *Service) AuditLog(ctx context.Context, m *models.Member, page models.Page) ([]models.AuditLogEntry, int64, error) {
	if err := models.Require(m, models.PermView, m.OrgID()); err != nil {
		return nil, 0, err
	}
	var total int64
	if err := s.core.Conn(ctx).Model(&models.AuditEntry{}).Where("organization_id = ?", m.Org.ID).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count audit log: %w", err)
	}
	var out []models.AuditLogEntry
	err := s.core.Conn(ctx).Table("audit_log").
		Select("audit_log.*, COALESCE(users.email, '') AS user_email").
		Joins("LEFT JOIN users ON users.id = audit_log.user_id").
		Where("audit_log.organization_id = ?", m.Org.ID).
		Order("audit_log.id DESC").Limit(page.Limit()).Offset(page.Offset()).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("audit log: %w", err)
	}
	return out, total, nil
}
