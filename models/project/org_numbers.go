package project

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza/models"
)

// FeedbackWaiting counts the answers waiting for moderation in the
// projects of the organization's accounts, as each project's queue counts
// them (its pending tab), for the organization home: one COUNT over the
// queue's (project_id, status) index.
func (s *Service) FeedbackWaiting(ctx context.Context, m *models.Member, accounts []models.Account) (int64, error) {
	ids, err := models.OrgAccountIDs(m, models.PermView, accounts)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	var n int64
	if err := s.core.Conn(ctx).Raw(`SELECT COUNT(*) FROM feedback
		WHERE project_id IN (SELECT id FROM projects WHERE account_id IN ?) AND status = ? AND `+queueSQL,
		ids, models.FeedbackPending).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("count feedback waiting: %w", err)
	}
	return n, nil
}
