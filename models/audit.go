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
