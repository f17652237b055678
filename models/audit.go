package models

import (
	"context"
	"fmt"
	"time"
)

// AuditEntry records who changed what, for staff and platform admins.
type AuditEntry struct {
	ID             int64
	OrganizationID *int64
	UserID         *int64
	Action         string
	Target         string
	Detail         string
	CreatedAt      time.Time
}

// TableName keeps the table's singular name.
func (AuditEntry) TableName() string { return "audit_log" }

// Audit appends an entry. Call it inside the transaction of the change it
// records, so that the log and the data never disagree. It is Core's, so
// domain packages audit through the core they hold; Store has it too.
func (c Core) Audit(ctx context.Context, orgID, userID int64, action, target, detail string) error {
	e := &AuditEntry{Action: action, Target: target, Detail: detail, CreatedAt: c.Now()}
	if orgID != 0 {
		e.OrganizationID = &orgID
	}
	if userID != 0 {
		e.UserID = &userID
	}
	if err := c.Conn(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// AuditLogEntry is an entry with the acting user's e-mail address.
type AuditLogEntry struct {
	AuditEntry
	UserEmail string
}

// AuditLog pages through an organization's log, newest first.
func (s *Store) AuditLog(ctx context.Context, m *Member, page Page) ([]AuditLogEntry, int64, error) {
	if err := Require(m, PermView, m.OrgID()); err != nil {
		return nil, 0, err
	}
	var total int64
	if err := s.conn(ctx).Model(&AuditEntry{}).Where("organization_id = ?", m.Org.ID).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count audit log: %w", err)
	}
	var out []AuditLogEntry
	err := s.conn(ctx).Table("audit_log").
		Select("audit_log.*, COALESCE(users.email, '') AS user_email").
		Joins("LEFT JOIN users ON users.id = audit_log.user_id").
		Where("audit_log.organization_id = ?", m.Org.ID).
		Order("audit_log.id DESC").Limit(page.Limit()).Offset(page.Offset()).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("audit log: %w", err)
	}
	return out, total, nil
}
