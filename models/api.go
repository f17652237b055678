package models

import (
	"context"
	"fmt"
)

// APIProjects pages through an account's projects, newest first, before
// the id before.
func (s *Store) APIProjects(ctx context.Context, m *Member, a *Account, before int64, limit int) ([]Project, error) {
	if err := Require(m, PermView, a.OrgID()); err != nil {
		return nil, err
	}
	q := s.conn(ctx).Where("account_id = ?", a.ID)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var out []Project
	if err := q.Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("api projects: %w", err)
	}
	return out, nil
}

// APIFeedback pages through a project's current answers by id, after the id
// after, optionally in one moderation state. The project must be one of
// the member's (OrgProject).
func (s *Store) APIFeedback(ctx context.Context, m *Member, a *Account, projectID int64, status string, after int64, limit int) ([]Feedback, error) {
	p, err := s.OrgProject(ctx, m, a, projectID)
	if err != nil {
		return nil, err
	}
	q := s.conn(ctx).Where("project_id = ? AND id > ? AND revision_state = ?", p.ID, after, RevisionCurrent)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var out []Feedback
	if err := q.Order("id").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("api feedback: %w", err)
	}
	return out, nil
}
