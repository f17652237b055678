package models

import "context"

// SystemMember acts for an organization when no person does (an imported
// feed): an editor with no user, so the audit log shows the system.
func (s *Store) SystemMember(ctx context.Context, orgID int64) (*Member, error) {
	var org Organization
	if err := s.conn(ctx).First(&org, orgID).Error; err != nil {
		return nil, notFound(err, "organization")
	}
	return &Member{User: &User{Email: "system"}, Org: &org, Role: RoleEditor}, nil
}
