package follower

import (
	"context"
	"fmt"
	"time"

	"github.com/plazahq/plaza/models"
)

// OrgFollowers are the organization home's follower numbers.
type OrgFollowers struct {
	// Active is how many people follow the accounts now.
	Active int64
	// Change is the follows less the unfollows of the last Days days.
	Change int64
	Days   int
}

// OrgFollowers counts the active followers of the organization's accounts
// and their change over the last days days (today included, UTC). Each
// number is one COUNT over an index on account_id; a viewer may see them.
func (s *Service) OrgFollowers(ctx context.Context, m *models.Member, accounts []models.Account, days int) (OrgFollowers, error) {
	out := OrgFollowers{Days: max(days, 1)}
	ids, err := models.OrgAccountIDs(m, models.PermView, accounts)
	if err != nil || len(ids) == 0 {
		return out, err
	}
	if err := s.core.Conn(ctx).Model(&models.Follower{}).Where("account_id IN ? AND status = ?", ids, models.StatusActive).
		Count(&out.Active).Error; err != nil {
		return out, fmt.Errorf("count active followers: %w", err)
	}
	now := s.core.Now()
	since := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(out.Days - 1))
	if err := s.core.Conn(ctx).Raw(`SELECT COALESCE(SUM(CASE WHEN kind = 'follow' THEN 1 WHEN kind = 'unfollow' THEN -1 ELSE 0 END), 0)
		FROM follow_events WHERE account_id IN ? AND created_at >= ?`, ids, since).Scan(&out.Change).Error; err != nil {
		return out, fmt.Errorf("follower change: %w", err)
	}
	return out, nil
}
